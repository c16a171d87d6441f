"""The OpenAI client backend against a real `recode generate serve` subprocess on the tiny model."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from recode.generate import GenerationError, SamplingConfig, make_generator

CHATS = [[{"role": "user", "content": f"def f{i}(x):"}] for i in range(5)]


def post(url: str, body) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_openai_backend_matches_hf(openai_server, tiny_lm):
    sampling = SamplingConfig(max_new_tokens=8)
    with make_generator("openai", "tiny", base_url=openai_server, concurrency=4) as gen:
        seen = []
        outs = gen.generate(CHATS, sampling, on_progress=lambda d, t: seen.append(d))
        assert gen.stats.completion_tokens > 0
    assert sorted(seen) == [1, 2, 3, 4, 5]
    with make_generator("hf", tiny_lm, device="cpu", batch_size=8) as hf:
        assert outs == hf.generate(CHATS, sampling)  # same greedy text, in prompt order


def test_n_samples_and_stop(openai_server):
    with make_generator("openai", "tiny", base_url=openai_server) as gen:
        outs = gen.generate(CHATS[:2], SamplingConfig(n=3, temperature=1.0, max_new_tokens=6, stop=["\n"]))
    assert [len(o) for o in outs] == [3, 3]
    assert all("\n" not in t for o in outs for t in o)


def test_server_errors_are_openai_json(openai_server):
    url = openai_server + "/chat/completions"
    status, body = post(url, {"model": "other", "messages": [{"role": "user", "content": "x"}]})
    assert status == 404 and body["error"]["code"] == "model_not_found"
    status, body = post(url, {"model": "tiny", "messages": [{"role": "robot", "content": "x"}]})
    assert status == 400 and body["error"]["param"] == "messages" and "message 0" in body["error"]["message"]
    status, body = post(url, {"model": "tiny", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0})
    assert status == 400 and body["error"]["param"] == "max_tokens"
    status, body = post(url, {"model": "tiny", "messages": [{"role": "user", "content": "x"}], "stream": True})
    assert status == 400 and body["error"]["param"] == "stream"
    status, body = post(url, {"model": "tiny", "messages": [{"role": "user", "content": "x"}], "max_tokens": 3,
                              "temperature": 0})
    assert status == 200 and body["choices"][0]["message"]["role"] == "assistant"
    assert body["usage"]["completion_tokens"] <= 3
    with urllib.request.urlopen(openai_server + "/models", timeout=30) as r:
        assert json.loads(r.read())["data"][0]["id"] == "tiny"


def test_bad_request_fails_at_once(openai_server):
    gen = make_generator("openai", "nope", base_url=openai_server, max_retries=3, backoff_s=10)
    with gen, pytest.raises(GenerationError, match="refused.*not served"):
        gen.generate(CHATS[:1], SamplingConfig(max_new_tokens=2))


def test_unreachable_server_names_the_url():
    url = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there
    with pytest.raises(GenerationError, match="cannot reach.*127.0.0.1:9/v1"):
        make_generator("openai", "m", base_url=url, max_retries=1, backoff_s=0.01)


class FlakyServer:
    """A stand-in server: answers /chat/completions with the given HTTP statuses first, then a real completion."""

    def __init__(self, statuses):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.statuses, self.calls = list(statuses), 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.reply(200, {"object": "list", "data": [{"id": "m", "object": "model"}]})

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls += 1
                if outer.statuses:
                    code = outer.statuses.pop(0)
                    return self.reply(code, {"error": {"message": f"status {code}", "type": "x"}})
                self.reply(200, {"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": "hello"}}]})

            def reply(self, code, payload):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(("statuses", "calls", "error"), [
    ([429, 503], 3, None),  # transient: retried, then answered
    ([500, 502, 500], 3, "kept failing after 2 retries"),
    ([400], 1, "refused"),  # a client error is never retried
])
def test_retries_transient_errors_only(statuses, calls, error):
    server = FlakyServer(statuses)
    try:
        with make_generator("openai", "m", base_url=server.url, max_retries=2, backoff_s=0.001) as gen:
            if error:
                with pytest.raises(GenerationError, match=error):
                    gen.generate(CHATS[:1])
            else:
                assert gen.generate(CHATS[:1]) == [["hello"]]
        assert server.calls == calls
    finally:
        server.close()
