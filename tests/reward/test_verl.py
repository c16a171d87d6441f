"""The verl adapter exercised with verl's own data structures (DataProto, its reward-manager loader), on CPU.

verl pins transformers < 5.11, so it lives in its own environment: `make test-verl` builds `.venv-verl` and runs
these tests (marker `verl`); in the main environment they are skipped.
"""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

pytestmark = pytest.mark.verl
verl = pytest.importorskip("verl")

import torch
from omegaconf import OmegaConf
from tests.tiny_models import build_tokenizer
from verl import DataProto

from recode.reward import verl_adapter
from recode.reward.verl_adapter import to_verl_rows
from recode.text import format_completion

MANAGER_PATH = str(Path(verl_adapter.__file__).with_name("verl_manager.py"))
WRONG = "def nothing():\n    return None"


@pytest.fixture()
def fresh_services():
    """Each test builds its own reward service (they are cached per config within a process)."""
    verl_adapter._SERVICES.clear()
    yield
    verl_adapter._SERVICES.clear()


def _config(tmp_path, text: str, **reward) -> OmegaConf:
    path = tmp_path / "reward.yaml"
    path.write_text(text)
    return OmegaConf.create({"reward": {
        "num_workers": 1,
        "reward_manager": {"source": "importlib", "name": "ReCodeRewardManager",
                           "module": {"path": MANAGER_PATH, "name": "ReCodeRewardManager"}},
        "custom_reward_function": {"path": None, "name": "compute_score"},
        "reward_model": {"enable": False, "model_path": "tiny-rm", "rollout": {"name": "vllm"}},
        "sandbox_fusion": None,
        "reward_kwargs": {"recode_config": str(path)}, **reward}})


def _dataproto(tokenizer, tasks, completions, rm_scores=None) -> DataProto:
    """A batch shaped like verl's rollout output: left-padded prompts, right-padded responses."""
    rows = to_verl_rows(tasks)
    texts = [tokenizer.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True) for r in rows]
    prompts = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    responses = [tokenizer(c, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for c in completions]
    p_len, r_len, pad = max(map(len, prompts)), max(map(len, responses)) + 3, tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (p_len - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (r_len - len(r)) for r in responses])
    mask = torch.cat([torch.tensor([[0] * (p_len - len(p)) + [1] * len(p) for p in prompts]),
                      torch.tensor([[1] * len(r) + [0] * (r_len - len(r)) for r in responses])], dim=1)
    tensors = {"prompts": prompt_ids, "responses": response_ids, "attention_mask": mask,
               "input_ids": torch.cat([prompt_ids, response_ids], dim=1)}
    if rm_scores is not None:  # verl's reward-model worker: the score at each response's last token
        scores = torch.zeros(len(responses), r_len)
        for i, (r, s) in enumerate(zip(responses, rm_scores)):
            scores[i, len(r) - 1] = s
        tensors["rm_scores"] = scores
    non_tensors = {key: np.array([r[key] for r in rows], dtype=object)
                   for key in ("data_source", "reward_model", "extra_info")}
    non_tensors["uid"] = np.array([f"group-{t.task_id}" for t in tasks], dtype=object)
    return DataProto.from_dict(tensors=tensors, non_tensors=non_tensors)


def _load_manager(config, tokenizer, **kwargs):
    from verl.trainer.ppo.reward import load_reward_manager

    return load_reward_manager(config, tokenizer, **kwargs)


def test_reward_loop_run_single_through_verls_loader(tmp_path, mbpp_tasks, fresh_services):
    tokenizer = build_tokenizer()
    config = _config(tmp_path, "gate: hard\nscorer: constant\nconstant_value: 0.5\n")
    manager = _load_manager(config, tokenizer)
    assert type(manager).__name__ == "ReCodeRewardManager"
    tasks = mbpp_tasks[:3] * 2
    completions = [format_completion("ok", t.solution) for t in mbpp_tasks[:3]] + \
                  [format_completion("bad", WRONG)] * 3
    data = _dataproto(tokenizer, tasks, completions)

    async def all_items():  # verl's RewardLoopWorker.compute_score_batch: one task per item, gathered
        return await asyncio.gather(*(manager.run_single(data[i:i + 1]) for i in range(len(data))))

    results = manager.loop.run_until_complete(all_items())
    assert [r["reward_score"] for r in results] == [2.5] * 3 + [1.0] * 3
    assert [r["reward_extra_info"]["gate_open"] for r in results] == [1.0] * 3 + [0.0] * 3
    assert manager.service.batches_run < len(data)  # concurrent items shared pipeline calls
    # verl turns the per-item scores into its token-level tensor with the manager's class method.
    rm_scores = type(manager).assemble_rm_scores(data, [r["reward_score"] for r in results])
    assert rm_scores.sum(dim=-1).tolist() == [2.5] * 3 + [1.0] * 3


def test_batch_call_gates_verls_rm_scores(tmp_path, mbpp_tasks, fresh_services):
    tokenizer = build_tokenizer()
    manager = _load_manager(_config(tmp_path, "gate: hard\nscorer: external\n"), tokenizer)
    tasks = [mbpp_tasks[0], mbpp_tasks[0]]
    completions = [format_completion("good reasoning", tasks[0].solution), format_completion("bad", WRONG)]
    data = _dataproto(tokenizer, tasks, completions, rm_scores=[0.0, 4.0])
    out = manager(data, return_dict=True)
    reward = out["reward_tensor"]
    assert reward.shape == data.batch["responses"].shape
    assert reward.sum(dim=-1).tolist() == [2.5, 1.0]  # sigmoid(0) = 0.5 counted; the failing rollout's 4.0 not
    last = data.batch["attention_mask"][:, -reward.shape[1]:].sum(-1) - 1
    assert reward[0, last[0]] == 2.5
    assert out["reward_extra_info"]["proc_scored"] == [1.0, 0.0]


def test_compute_score_through_verls_naive_manager(tmp_path, mbpp_tasks, fresh_services):
    tokenizer = build_tokenizer()
    config = _config(tmp_path, "gate: none\nscorer: length\nlength_target_words: 4\n")
    config.reward.reward_manager = {"source": "register", "name": "naive", "module": {"path": None, "name": "x"}}
    config.reward.custom_reward_function = {"path": verl_adapter.__file__, "name": "compute_score",
                                            "reward_kwargs": {"recode_config": config.reward.reward_kwargs.recode_config}}
    manager = _load_manager(config, tokenizer)
    task = mbpp_tasks[1]
    data = _dataproto(tokenizer, [task, task], [format_completion("one two", task.solution),
                                                format_completion("one two three four five", WRONG)])
    results = manager.loop.run_until_complete(
        asyncio.gather(*(manager.run_single(data[i:i + 1]) for i in range(2))))
    assert [r["reward_score"] for r in results] == [2.5, 2.0]  # gate none: the wrong one collects R_proc
    assert results[1]["reward_extra_info"]["out"] == 0.0


class _FakeVLLMRouter(BaseHTTPRequestHandler):
    """Answers vLLM's /classify as verl's reward-model router would, with a score = number of words."""

    seen: ClassVar[list] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(body)
        reply = json.dumps({"data": [{"probs": [float(len(body["input"].split()))]}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_verls_reward_model_router_is_asked_only_for_gate_open_rollouts(tmp_path, mbpp_tasks, fresh_services):
    router = ThreadingHTTPServer(("127.0.0.1", 0), _FakeVLLMRouter)
    threading.Thread(target=router.serve_forever, daemon=True).start()
    try:
        tokenizer = build_tokenizer()
        config = _config(tmp_path, "gate: hard\nscorer: external\nproc_mapping: rank\n")
        address = f"127.0.0.1:{router.server_address[1]}"
        manager = _load_manager(config, tokenizer, reward_router_address=address, reward_model_tokenizer=tokenizer)
        task = mbpp_tasks[2]
        completions = [format_completion("short", task.solution), format_completion("much longer reasoning", task.solution),
                       format_completion("wrong", WRONG)]
        out = manager(_dataproto(tokenizer, [task] * 3, completions), return_dict=True)
    finally:
        router.shutdown()
    assert out["reward_tensor"].sum(-1).tolist() == [2.0, 3.0, 1.0]  # ranked within the group: 0 and 1
    assert len(_FakeVLLMRouter.seen) == 2 and all(b["model"] == "tiny-rm" for b in _FakeVLLMRouter.seen)


def test_parquet_rows_load_with_datasets(tmp_path, mbpp_tasks):
    from datasets import load_dataset

    verl_adapter.write_verl_parquet(mbpp_tasks, tmp_path / "train.parquet")
    rows = load_dataset("parquet", data_files=str(tmp_path / "train.parquet"))["train"]
    assert rows[0]["prompt"][0]["role"] == "system" and rows[0]["ability"] == "code"
    task = verl_adapter.task_from_ground_truth(rows[0]["reward_model"]["ground_truth"])
    assert task.task_id == mbpp_tasks[0].task_id and task.solution is None
