"""verl adapter: data in verl's parquet schema, and the reward as a verl `compute_score` function.

Data: `to_verl_rows`/`write_verl_parquet` turn task files into verl's RL dataset schema: `data_source`,
`prompt` (chat messages), `ability` (the domain), `reward_model: {"style": "rule", "ground_truth": <the task
as JSON: tests, problem, domain>}` and `extra_info: {"split", "index", "task_id"}`. The reward reads the task
back from `reward_model.ground_truth`, so no task file is needed on verl's reward workers.

Reward, two ways (both defined so verl can load them from a file path):
- `compute_score` (this module), for `reward.custom_reward_function.path=<this file> name=compute_score`:
  verl's per-sample signature; concurrent calls are batched by a process-wide `RewardService`.
- `ReCodeRewardManager` (verl_manager.py, needs verl), for `reward.reward_manager.source=importlib`
  `module.path=<verl_manager.py> name=ReCodeRewardManager`: verl's reward-loop `run_single` plus the batch
  `__call__(data, return_dict)`, reading RM scores from verl's reward-model worker when `scorer: external`.

Our reward config comes from `reward_kwargs` (`recode_config`: a YAML path, `recode_overrides`: ["key=value"])
or the `RECODE_REWARD_CONFIG` environment variable.

RM scores with `scorer: external` come from verl's own reward model: the `rm_scores` tensor when verl put one
in the batch (its reward-model worker; the score sits at the last response token, so the row's sum is the
score), else verl's reward-model router (`reward_router_address`, vLLM `/classify` or SGLang
`/v1/embeddings`, queried only for gate-open rollouts, as verl's own `compute_score_disrm` does).
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from recode.io import DataError
from recode.reward.batching import RewardService
from recode.reward.config import RewardConfig
from recode.reward.parts import RewardParts
from recode.reward.pipeline import RewardPipeline, Rollout
from recode.reward.rm_input import rm_input
from recode.reward.scorers import ScorerError
from recode.tasks import Task

ENV_CONFIG = "RECODE_REWARD_CONFIG"


def to_verl_rows(tasks: list[Task]) -> list[dict]:
    """verl RL dataset rows (see the module docstring). The reference solution is left out of ground_truth."""
    return [{"data_source": t.data_source, "prompt": t.messages(), "ability": t.domain,
             "reward_model": {"style": "rule", "ground_truth": json.dumps(t.to_dict(with_solution=False))},
             "extra_info": {"split": t.split or "train", "index": i, "task_id": t.task_id}}
            for i, t in enumerate(tasks)]


def write_verl_parquet(tasks: list[Task], path: str | os.PathLike) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError("writing parquet needs pyarrow: pip install 'recode-rl[train]'") from None
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    pq.write_table(pa.Table.from_pylist(to_verl_rows(tasks)), path)


def task_from_ground_truth(ground_truth, where: str = "reward_model.ground_truth") -> Task:
    """The task stored in a row's ground truth (a JSON string or an already decoded mapping)."""
    if isinstance(ground_truth, str):
        try:
            ground_truth = json.loads(ground_truth)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: not a ReCode task as JSON ({exc.msg}); convert data with "
                            "`recode reward to-verl`") from None
    return Task.from_dict(dict(ground_truth), where)


def verl_extra_info(parts: RewardParts) -> dict[str, float]:
    """The parts as verl `reward_extra_info` (numbers only: verl stacks them into arrays and averages them)."""
    return {"score": parts.total, "fmt": parts.fmt, "out": parts.out,
            "proc": parts.proc if parts.proc is not None else 0.0, "proc_scored": float(parts.proc is not None),
            "gate_open": float(parts.gate_open), "pass_rate": parts.pass_rate,
            "reasoning_words": float(parts.reasoning_words)}


class VerlRouterScorer:
    """verl's reward model behind its router: one request per input, as verl's `compute_score_disrm` sends."""

    outputs = "logit"
    uses_cpu = False

    def __init__(self, address: str, tokenizer, model: str | None, engine: str = "vllm", threads: int = 32):
        if engine not in ("vllm", "sglang"):
            raise ScorerError(f"verl reward-model engine {engine!r}: only vllm and sglang serve scores")
        self.address, self.tokenizer, self.model, self.engine = address, tokenizer, model, engine
        self.threads = threads

    def _one(self, text: str) -> float:
        bos = getattr(self.tokenizer, "bos_token", None)
        if bos and text.startswith(bos):
            text = text[len(bos):]  # the server adds it again
        endpoint, payload = ("classify", {"model": self.model, "input": text, "use_activation": False}) \
            if self.engine == "vllm" else ("v1/embeddings", {"model": self.model, "input": text})
        request = urllib.request.Request(f"http://{self.address}/{endpoint}", json.dumps(payload).encode(),
                                         {"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                reply = json.loads(response.read())
            last = reply["data"][-1]
            return float(last["probs"][-1] if self.engine == "vllm" else last["embedding"][-1])
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ScorerError(f"verl reward-model router {self.address}: {exc}") from None

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]:
        texts = [rm_input(p, r, self.tokenizer) for p, r in zip(problems, reasonings)]
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            return list(pool.map(self._one, texts))

    def close(self) -> None:
        pass


_SERVICES: dict[tuple, RewardService] = {}
_LOCK = threading.Lock()


def get_service(config_path: str | None = None, overrides=(), router: dict | None = None) -> RewardService:
    """The process-wide batching service for one reward configuration (built on first use).

    Args:
        router: {"address", "tokenizer", "model", "engine"} of verl's reward-model router, used as the scorer
            when the config says `scorer: external`.
    """
    config_path = config_path or os.environ.get(ENV_CONFIG)
    key = (config_path, tuple(overrides), router["address"] if router else None)
    with _LOCK:
        if key not in _SERVICES:
            config = RewardConfig.load(config_path, list(overrides))
            scorer = None
            if config.scorer == "external" and router:
                scorer = VerlRouterScorer(router["address"], router["tokenizer"], router.get("model"),
                                          router.get("engine") or "vllm")
            _SERVICES[key] = RewardService(RewardPipeline(config, scorer=scorer))
        return _SERVICES[key]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, recode_config=None,
                  recode_overrides=(), reward_router_address=None, reward_model_tokenizer=None,
                  recode_rm_model=None, recode_rm_engine="vllm", **kwargs) -> dict:
    """verl's per-sample reward function. Returns {"score": total, <parts>} (verl logs the extra keys).

    `recode_*` arguments come from `custom_reward_function.reward_kwargs`; verl adds the router arguments when
    its reward model is enabled.
    """
    router = None
    if reward_router_address is not None:
        router = {"address": reward_router_address, "tokenizer": reward_model_tokenizer, "model": recode_rm_model,
                  "engine": recode_rm_engine}
    service = get_service(recode_config, recode_overrides or (), router)
    task = task_from_ground_truth(ground_truth)
    parts, _ = service.submit([Rollout(task, solution_str)])
    return verl_extra_info(parts[0])


def rollout_from_item(item, tokenizer) -> Rollout:
    """A Rollout from one verl DataProtoItem: the decoded response, the task, and `rm_scores` if present."""
    responses = item.batch["responses"]
    length = int(item.batch["attention_mask"][-responses.shape[-1]:].sum())
    text = tokenizer.decode(responses[:length], skip_special_tokens=True)
    task = task_from_ground_truth(item.non_tensor_batch["reward_model"]["ground_truth"])
    proc_raw = float(item.batch["rm_scores"].sum()) if "rm_scores" in item.batch else None
    group = item.non_tensor_batch.get("uid")  # verl's GRPO group id
    return Rollout(task, text, group=str(group) if group is not None else None, proc_raw=proc_raw)
