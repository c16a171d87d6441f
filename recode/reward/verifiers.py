"""Outcome verifiers: does the extracted code pass every test (sandbox), is the final answer right (math-verify)?

Registry (`VERIFIERS`, by task domain): "code" runs programs in `recode.sandbox.SandboxPool` (many at once, on
warm workers); "math" checks answers with math-verify under a per-check time limit (mathcheck.py). Both return
one `Verdict` per item; a rollout with nothing to run (no code, no answer) is a verdict too ("no_code",
"no_answer"), never an error. Sandbox infrastructure failures raise `SandboxError`: they are never scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from recode.reward.mathcheck import MathChecker
from recode.sandbox import SandboxPool, Status
from recode.tasks import Task


@dataclass
class Verdict:
    out: float  # 1.0 iff every test passed (math: the answer is equivalent)
    pass_rate: float  # fraction of tests passed (0 or 1 for math)
    status: str
    n_tests: int
    n_passed: int
    seconds: float
    detail: str | None = None


# (task, extracted code or final answer, or None)
Item = tuple[Task, str | None]


class CodeVerifier:
    """Runs extracted programs against the task's tests in the sandbox.

    Args:
        pool: an open SandboxPool to use; without one, a pool with `workers`/`isolation` is opened on first use.
    """

    domain = "code"

    def __init__(self, pool: SandboxPool | None = None, workers: int = 0, isolation: str = "auto"):
        self._pool, self._own = pool, pool is None
        self.workers, self.isolation = workers or None, isolation

    @property
    def pool(self) -> SandboxPool:
        if self._pool is None:
            self._pool = SandboxPool(workers=self.workers, isolation=self.isolation)
        return self._pool

    def verify(self, items: Sequence[Item], fail_fast: bool = True) -> list[Verdict]:
        """One verdict per (task, code). `fail_fast=False` runs every test (needed for pass rates)."""
        verdicts: list[Verdict | None] = [None] * len(items)
        jobs, where = [], []
        for i, (task, code) in enumerate(items):
            if code is None:
                verdicts[i] = Verdict(0.0, 0.0, "no_code", 0, 0, 0.0, "no python code found")
            else:
                jobs.append(task.sandbox_job(code, fail_fast=fail_fast, job_id=f"{task.task_id}#{i}"))
                where.append(i)
        for i, result in zip(where, self.pool.run_batch(jobs) if jobs else []):
            n = len(result.tests)
            passed = sum(v.status is Status.PASS for v in result.tests)
            detail = None
            if result.first_failure:
                detail = f"test {result.first_failure['index']}: {result.first_failure.get('detail') or ''}"[:300]
            elif result.setup_error:
                detail = result.setup_error[:300]
            verdicts[i] = Verdict(1.0 if result.passed else 0.0, passed / n if n else 0.0, str(result.status), n,
                                  passed, result.wall_s, detail)
        return verdicts

    def close(self) -> None:
        if self._own and self._pool is not None:
            self._pool.close()
            self._pool = None


class MathVerifier:
    """Checks final answers against the task's reference answer with math-verify."""

    domain = "math"

    def __init__(self, workers: int = 1, timeout_s: float = 10.0):
        self.checker = MathChecker(workers=workers, timeout_s=timeout_s)

    def verify(self, items: Sequence[Item], fail_fast: bool = True) -> list[Verdict]:
        results = self.checker.check([(answer, task.tests.answer) for task, answer in items])
        return [Verdict(1.0 if r.equal else 0.0, 1.0 if r.equal else 0.0, r.status, 1, int(r.equal), r.seconds,
                        r.detail) for r in results]

    def close(self) -> None:
        self.checker.close()


# domain -> factory(config, pool). A new domain adds a verifier class above and one entry here.
VERIFIERS: dict[str, Callable] = {
    "code": lambda cfg, pool: CodeVerifier(pool, cfg.sandbox_workers, cfg.isolation),
    "math": lambda cfg, pool: MathVerifier(cfg.math_workers, cfg.math_timeout_s),
}
