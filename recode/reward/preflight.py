"""Preflight: run every task's reference solution through the complete reward path before any GPU hour is spent.

Each reference solution is written in the reasoning format (`Task.reference_completion`), then parsed,
extracted, verified and, where the gate opens, scored, exactly as a rollout would be. A task passes preflight
when its reference gets R_fmt = 1, R_out = 1 and the extracted code is the reference itself. Anything else is a
broken task, a wrong extraction or a sandbox that differs from the one the data was made for (a missing
package, an order-dependent test), and is listed with its status and first failure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from recode.reward.parts import summarize
from recode.reward.pipeline import RewardPipeline, Rollout
from recode.tasks import Task


@dataclass
class PreflightReport:
    n_tasks: int
    n_checked: int
    no_reference: list[str]
    failures: list[dict] = field(default_factory=list)  # one per failed task: task_id, why, status, detail
    statuses: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.n_checked > 0 and not self.failures

    def to_dict(self) -> dict:
        return {"ok": self.ok, "n_tasks": self.n_tasks, "n_checked": self.n_checked,
                "n_failed": len(self.failures), "no_reference": self.no_reference, "statuses": self.statuses,
                "failures": self.failures, "metrics": self.metrics}


def _why(task: Task, parts, extracted: str | None) -> str | None:
    if parts.fmt != 1.0:
        return "format: " + "; ".join(parts.format_problems)
    if task.domain == "code" and (extracted or "").strip() != (task.solution or "").strip():
        return "extraction: the code taken from the answer differs from the reference solution"
    if parts.out != 1.0:
        return f"outcome: {parts.status}"
    return None


def preflight(tasks: list[Task], pipeline: RewardPipeline, batch_size: int = 512) -> PreflightReport:
    """Score each task's reference completion; collect every task that does not get full outcome reward."""
    checked = [t for t in tasks if t.solution is not None]
    report = PreflightReport(len(tasks), len(checked), [t.task_id for t in tasks if t.solution is None])
    statuses: Counter = Counter()
    all_parts = []
    for start in range(0, len(checked), batch_size):
        chunk = checked[start:start + batch_size]
        rollouts = [Rollout(t, t.reference_completion()) for t in chunk]
        batch = pipeline.score(rollouts)
        all_parts += batch.parts
        for task, rollout, parts in zip(chunk, rollouts, batch.parts):
            statuses[parts.status] += 1
            why = _why(task, parts, pipeline.parse(rollout).code)
            if why:
                report.failures.append({"task_id": task.task_id, "why": why, "status": parts.status,
                                        "detail": parts.detail, "reward": parts.total})
    report.statuses = dict(statuses)
    report.metrics = summarize(all_parts)
    return report
