"""TRL adapter: the consistency-gated reward as one TRL reward function, logging its parts.

TRL sums reward functions with weights, but R = R_fmt + R_out + 1[R_out = 1] * R_proc has a product, so the
reward is ONE function (`TRLReward`) that computes the parts and returns the totals. It follows the contract of
TRL 1.16's `GRPOTrainer._calculate_rewards`: called as `f(prompts=..., completions=..., completion_ids=...,
**dataset_columns, trainer_state=..., log_extra=..., log_metric=...)`, returning one float per completion.
Parts go to TRL's logs through the two callbacks it passes: `log_metric(name, value)` for batch means
(pass rate, gate-open rate, mean R_proc on gate-open rollouts, reasoning length, timings) and
`log_extra(column, values)` for per-rollout columns of the completions table.

The task of each completion comes from the dataset columns: a `task_id` looked up in the task file given to
`TRLReward`, or the task's own columns (`trl_rows` writes both).
"""

from __future__ import annotations

import json

from recode.io import DataError
from recode.reward.pipeline import RewardPipeline, Rollout
from recode.tasks import Task

# Per-rollout columns added to TRL's completions table.
EXTRA_COLUMNS = ("fmt", "out", "proc", "gate_open", "status", "pass_rate")


def trl_rows(tasks: list[Task]) -> list[dict]:
    """Dataset rows for GRPOTrainer: a conversational `prompt` plus the columns the reward reads.

    `tests` is stored as JSON text: an Arrow column cannot hold the differently shaped tests of each kind.
    """
    return [{"prompt": t.messages(), "task_id": t.task_id, "data_source": t.data_source, "domain": t.domain,
             "problem": t.problem, "starter_code": t.starter_code, "tests": json.dumps(t.tests.to_dict())}
            for t in tasks]


def _completion_text(completion) -> str:
    """Standard completions are strings; conversational ones are [{"role": "assistant", "content": ...}]."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        content = completion[-1].get("content", "")
        if isinstance(content, list):  # multimodal content parts
            return "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return content or ""
    raise DataError(f"cannot read a completion of type {type(completion).__name__}")


def _prompt_key(prompt) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)


class TRLReward:
    """A TRL reward function computing the consistency-gated reward with `pipeline`.

    Args:
        pipeline: the reward pipeline (owns the sandbox pool and the RM).
        tasks: task_id -> Task; when omitted, tasks are rebuilt from the dataset's task columns.
    """

    __name__ = "recode_reward"  # TRL names the reward in its logs after the function

    def __init__(self, pipeline: RewardPipeline, tasks: dict[str, Task] | None = None):
        self.pipeline, self.tasks = pipeline, tasks or {}
        self.last_batch = None  # the latest RewardBatch, for callers that want more than TRL logs

    def _task(self, columns: dict, i: int) -> Task:
        task_id = columns.get("task_id", [None] * (i + 1))[i]
        if task_id in self.tasks:
            return self.tasks[task_id]
        if "tests" not in columns:
            raise DataError(f"task {task_id!r}: not among the reward's tasks, and the dataset has no task columns")
        record = {k: columns[k][i] for k in ("task_id", "data_source", "domain", "problem", "starter_code", "tests")
                  if k in columns}
        if isinstance(record.get("tests"), str):
            record["tests"] = json.loads(record["tests"])
        task = Task.from_dict(record, f"dataset row {i}")
        self.tasks[task.task_id] = task
        return task

    def __call__(self, prompts: list, completions: list, completion_ids=None, log_metric=None, log_extra=None,
                 trainer_state=None, **columns) -> list[float]:
        rollouts = [Rollout(self._task(columns, i), _completion_text(c), group=_prompt_key(prompts[i]))
                    for i, c in enumerate(completions)]
        batch = self.pipeline.score(rollouts)
        self.last_batch = batch
        if log_metric is not None:
            for name, value in batch.metrics().items():
                log_metric(name, value)
        if log_extra is not None:
            for column in EXTRA_COLUMNS:
                log_extra(column, [getattr(p, column) for p in batch.parts])
        return batch.totals
