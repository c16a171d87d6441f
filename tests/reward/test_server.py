"""The HTTP reward service over a real socket: concurrent clients, OpenRLHF's shape, malformed requests."""

import http.client
import json
import re
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from recode.reward import RewardConfig, RewardPipeline
from recode.reward.batching import RewardService
from recode.reward.scorers import RemoteScorer, ScorerError
from recode.reward.server import make_server
from recode.text import format_completion


class ZeroLogit:
    """An RM that gives every reasoning a logit of 0: R_proc = sigmoid(0) = 0.5; /score answers 0.0."""

    outputs = "logit"

    def score(self, problems, reasonings):
        return [0.0 for _ in reasonings]

    def close(self):
        pass


@pytest.fixture(scope="module")
def server(pool, mbpp_tasks):
    pipeline = RewardPipeline(RewardConfig(gate="hard", scorer="external"), pool=pool, scorer=ZeroLogit())
    service = RewardService(pipeline, max_batch=256, max_wait_s=0.05)
    httpd = make_server(service, {t.task_id: t for t in mbpp_tasks}, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, service
    httpd.shutdown()
    httpd.server_close()


def _url(server, path):
    host, port = server[0].server_address[:2]
    return f"http://{host}:{port}{path}"


def _post(server, path, body, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(_url(server, path), data, {"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_health(server):
    with urllib.request.urlopen(_url(server, "/health"), timeout=30) as response:
        health = json.loads(response.read())
    assert health["status"] == "ok" and health["tasks"] == 6 and health["gate"] == "hard"


def test_concurrent_clients_are_batched_and_each_gets_its_own_rewards(server, mbpp_tasks):
    def client(k: int):
        task = mbpp_tasks[k % len(mbpp_tasks)]
        right = k % 2 == 0
        completion = format_completion(f"client {k}", task.solution if right else "def f(): pass")
        status, reply = _post(server, "/reward", {"task_ids": [task.task_id], "completions": [completion]})
        return k, right, status, reply

    before = server[1].batches_run
    with ThreadPoolExecutor(max_workers=16) as clients:
        replies = list(clients.map(client, range(48)))
    for k, right, status, reply in replies:
        assert status == 200, reply
        assert reply["rewards"] == [2.5 if right else 1.0], k
        assert reply["parts"][0]["gate_open"] is right and reply["parts"][0]["status"] == ("pass" if right else
                                                                                           "runtime_error")
        assert "reward/pass_rate" in reply["metrics"] and reply["timings"]["batch_rollouts"] >= 1
    assert server[1].batches_run - before < 48  # requests shared pipeline calls


def test_openrlhf_request_shape(server, mbpp_tasks):
    task = mbpp_tasks[1]
    prompt = "<|user|>\n" + task.user_prompt() + "<|end|>\n<|assistant|>\n"
    completions = [format_completion("ok", task.solution) + "<|end|>", format_completion("no", "x = 1")]
    body = {"query": [prompt + c for c in completions], "prompts": [prompt] * 2, "labels": [task.task_id] * 2}
    status, reply = _post(server, "/get_reward", body)
    assert status == 200, reply
    assert reply["rewards"] == [2.5, 1.0] and reply["scores"] == reply["rewards"]
    assert reply["extra_logs"]["gate_open"] == [1.0, 0.0] and reply["extra_logs"]["proc"] == [0.5, 0.0]
    # A label may carry the whole task (no task file on the server).
    inline = dict(body, labels=[json.dumps(task.to_dict())] * 2)
    assert _post(server, "/get_reward", inline)[1]["rewards"] == [2.5, 1.0]


@pytest.mark.parametrize("path, body, raw, status, message", [
    ("/reward", None, b"{not json", 400, "not valid JSON"),
    ("/reward", [1, 2], None, 400, "must be a JSON object"),
    ("/reward", {"completions": ["x"]}, None, 400, "expected `completions` with `task_ids`"),
    ("/reward", {"completions": ["x", "y"], "task_ids": ["Mbpp/601"]}, None, 400, "`task_ids` has 1 items but"),
    ("/reward", {"completions": ["x"], "task_ids": ["Mbpp/1"]}, None, 400, "unknown task id 'Mbpp/1'"),
    ("/reward", {"completions": [3], "task_ids": ["Mbpp/601"]}, None, 400, "`completions.0.` must be a str"),
    ("/reward", {"completions": [], "task_ids": []}, None, 400, "no completions"),
    ("/reward", {"completions": ["x"], "tasks": [{"task_id": "t"}]}, None, 400, "must be a non-empty string"),
    ("/get_reward", {"query": ["abc"], "prompts": ["zzz"], "labels": ["Mbpp/601"]}, None, 400,
     "does not contain prompts.0."),
    ("/nowhere", {}, None, 404, "no such endpoint"),
    ("/score", {"problems": ["p"]}, None, 400, "`reasonings` must be a list"),
])
def test_malformed_requests_get_a_4xx_with_a_clear_message(server, path, body, raw, status, message):
    code, reply = _post(server, path, body, raw)
    assert code == status
    assert re.search(message, reply["error"]), reply


def test_get_on_a_post_endpoint_and_missing_length(server):
    host, port = server[0].server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/reward")
    response = conn.getresponse()
    assert response.status == 405 and "takes POST" in json.loads(response.read())["error"]
    conn.putrequest("POST", "/reward")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 411 and "Content-Length" in json.loads(response.read())["error"]
    conn.close()


def test_score_endpoint_backs_the_remote_scorer(server):
    scorer = RemoteScorer(_url(server, ""))
    assert scorer.score(["p", "q"], ["r", "s"]) == [0.0, 0.0]
    assert scorer.score([], []) == []
    with pytest.raises(ScorerError, match="scoring server"):
        RemoteScorer("http://127.0.0.1:9", timeout_s=2).score(["p"], ["r"])
