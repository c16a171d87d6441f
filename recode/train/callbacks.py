"""What a run writes besides checkpoints: per-step metrics (JSONL and console), rollout samples, and the
bookkeeping that makes a resumed run continue its logs at the right step.

Files in the run directory (schemas in docs/train.md):
- metrics.jsonl: one record per logged step: {"step", "kind": "train"|"eval"|"summary", ...TRL and reward metrics}
- samples.jsonl: the first `samples_per_step` rollouts of each step with their reward parts
- monitor.jsonl: the hacking monitor's warnings (recode/train/monitor.py)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from rich.console import Console

from recode.io import iter_jsonl, write_jsonl
from recode.text import parse_completion

LOG_FILES = ("metrics.jsonl", "samples.jsonl", "monitor.jsonl")


def truncate_logs(run_dir: str | Path, step: int) -> None:
    """Drop records after `step` from the run's logs: a resumed run redoes those steps and logs them again."""
    for name in LOG_FILES:
        path = Path(run_dir) / name
        if path.exists():
            kept = [r for _, r in iter_jsonl(path) if r.get("step", 0) <= step]
            write_jsonl(path, kept)


def _append(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, default=_jsonable) + "\n")


def _jsonable(value):
    return float(value) if hasattr(value, "__float__") else str(value)


def _clean(logs: dict) -> dict:
    """JSON has no NaN: those metrics are left out."""
    return {k: v for k, v in logs.items() if not (isinstance(v, float) and math.isnan(v))}


class SampleWriter:
    """A TRL reward function wrapping `TRLReward`: adds the answer length to the step's metrics and writes the
    first `per_step` rollouts of each call to samples.jsonl. `trainer` is attached after the trainer is built."""

    def __init__(self, reward, run_dir: str | Path | None, per_step: int):
        self.reward, self.per_step = reward, per_step
        self.path = Path(run_dir) / "samples.jsonl" if run_dir else None
        self.trainer = None
        self.__name__ = reward.__name__  # TRL names the reward's metrics after it

    def __call__(self, prompts, completions, log_metric=None, trainer_state=None, **kwargs) -> list[float]:
        rewards = self.reward(prompts=prompts, completions=completions, log_metric=log_metric,
                              trainer_state=trainer_state, **kwargs)
        cfg = self.reward.pipeline.config
        texts = [_text(c) for c in completions]
        domains = kwargs.get("domain") or ["code"] * len(texts)
        answers = [parse_completion(t, d, strict=cfg.strict_extraction, think_prefilled=cfg.think_prefilled).answer
                   for t, d in zip(texts, domains)]
        if log_metric is not None and texts:
            log_metric("reward/answer_chars_mean", sum(len(a or "") for a in answers) / len(texts))
        self._write(texts, kwargs.get("task_id") or [None] * len(texts), trainer_state)
        return rewards

    def _write(self, texts, task_ids, trainer_state) -> None:
        trainer = self.trainer
        if self.path is None or self.per_step <= 0 or trainer_state is None:
            return
        if trainer is not None and not trainer.accelerator.is_main_process:
            return
        training = trainer is None or trainer.model.training
        step = trainer_state.global_step + (1 if training else 0)  # a training batch belongs to the next step
        parts = self.reward.last_batch.parts if self.reward.last_batch else []
        for i, (text, part) in enumerate(zip(texts, parts)):
            if i >= self.per_step:
                break
            _append(self.path, {"step": step, "kind": "train" if training else "eval", "task_id": task_ids[i],
                                "total": part.total, "fmt": part.fmt, "out": part.out, "proc": part.proc,
                                "gate": part.gate, "status": part.status, "reasoning_words": part.reasoning_words,
                                "completion": text})


def _text(completion) -> str:
    if isinstance(completion, str):
        return completion
    return completion[-1].get("content", "") if completion else ""


# The console line: (label, metric key, format)
CONSOLE_FIELDS = (("reward", "reward", "{:.3f}"), ("pass", "reward/pass_rate", "{:.2f}"),
                  ("gate", "reward/gate_open_rate", "{:.2f}"), ("proc", "reward/proc_mean_scored", "{:.3f}"),
                  ("think", "reward/reasoning_words_mean", "{:.0f}w"), ("kl", "kl", "{:.4f}"),
                  ("ent", "entropy", "{:.3f}"), ("step", "time/step_s", "{:.1f}s"),
                  ("gen", "time/generation_s", "{:.1f}s"), ("rew", "time/reward_s", "{:.1f}s"),
                  ("upd", "time/update_s", "{:.1f}s"))


def console_line(step: int, max_steps: int, logs: dict) -> str:
    """One line per step with the numbers worth watching.

    Example:
        >>> console_line(3, 10, {"reward": 1.5, "reward/pass_rate": 0.25})
        'step 3/10 | reward 1.500 | pass 0.25'
    """
    items = [f"step {step}/{max_steps}"]
    for label, key, fmt in CONSOLE_FIELDS:
        value = logs.get(key)
        if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
            items.append(f"{label} {fmt.format(value)}")
    return " | ".join(items)


def _callback_base():
    from transformers import TrainerCallback

    return TrainerCallback


def make_run_logger(run_dir: str | Path, console: Console | None = None, quiet: bool = False):
    """A TrainerCallback writing every log record to metrics.jsonl and a line per step to the console."""

    class RunLogger(_callback_base()):
        def __init__(self):
            self.path = Path(run_dir) / "metrics.jsonl"
            self.console = console or Console(stderr=True)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            kind = "eval" if any(k.startswith("eval_") for k in logs) else (
                "summary" if "train_runtime" in logs else "train")
            _append(self.path, {"step": state.global_step, "kind": kind, **_clean(logs)})
            if quiet:
                return
            if kind == "train":
                self.console.print(console_line(state.global_step, state.max_steps, logs), highlight=False,
                                   soft_wrap=True)
            elif kind == "eval":
                stripped = {k.removeprefix("eval_"): v for k, v in logs.items()}
                self.console.print("eval " + console_line(state.global_step, state.max_steps, stripped),
                                   highlight=False, style="cyan", soft_wrap=True)

    return RunLogger()


def read_metrics(run_dir: str | Path, kind: str = "train") -> list[dict]:
    """The run's metric records of one kind, in step order (the last record of a step wins)."""
    path = Path(run_dir) / "metrics.jsonl"
    by_step: dict[int, dict] = {}
    if not path.exists():
        return []
    for _, record in iter_jsonl(path):
        if record.get("kind") == kind:
            by_step[record["step"]] = record
    return [by_step[s] for s in sorted(by_step)]
