"""What every benchmark provides: its problems, how a solution becomes a sandbox job, and where data lives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from recode.datasets.groundtruth import REFERENCE_LIMITS, ground_truth
from recode.datasets.sources import data_dir, sha256_file  # noqa: F401 - re-exported
from recode.io import DataError
from recode.sandbox import Job, JobResult, Status


def local_file(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise DataError(f"benchmark data not found at {path}; set RECODE_DATA_DIR to the folder that holds "
                        f"{'/'.join(parts)}")
    return path


@dataclass
class Problem:
    task_id: str
    prompt: str
    entry_point: str
    canonical_solution: str  # the full reference program
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


# EvalPlus's instruction for chat models (evalplus/codegen); the fenced prompt follows it.
CODE_INSTRUCTION = ("Please provide a self-contained Python script that solves the following problem in a markdown "
                    "code block:")


class Benchmark:
    """A registry entry. Subclasses set `name`, `has_plus`, and implement `load` and `make_job`.

    The evaluation harness (`recode eval run`) uses four more members, with defaults that fit code benchmarks:
    `domain` ("code" or "math": which reasoning system prompt and answer extraction apply), `user_prompt`
    (the plain instruction a chat model gets), `buckets` (labels to split pass@k by) and `score` (samples to
    one result row per sample, in order: `task_id`, `completion_id`, `passed`, `status`, and `base_passed` /
    `plus_passed` where a benchmark has both test sets).
    """

    name: str = ""
    has_plus: bool = False
    domain: str = "code"
    # task_id -> why its reference solution does not pass its own tests (upstream data flaws).
    known_flaws: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        self._problems: dict[str, Problem] | None = None
        self.truth: dict[str, dict] = {}  # task_id -> ground-truth record (see groundtruth.py)

    @property
    def problems(self) -> dict[str, Problem]:
        if self._problems is None:
            self._problems = self.load()
        return self._problems

    def load(self) -> dict[str, Problem]:
        raise NotImplementedError

    def source_hash(self) -> str:
        """Identifies the data version, for caches of ground truth."""
        raise NotImplementedError

    def solution_of(self, sample: dict, where: str = "sample") -> str:
        """EvalPlus convention: `solution` is the whole program; else `completion` is appended to the prompt."""
        if isinstance(sample.get("solution"), str):
            return sample["solution"]
        if isinstance(sample.get("completion"), str):
            return self.problems[sample["task_id"]].prompt + sample["completion"]
        raise DataError(f"{where}: needs a string field `solution` (whole program) or `completion`")

    def prepare(self, pool, task_ids: list[str] | None = None, on_done=None) -> int:
        """Compute what jobs need before scoring (expected outputs, reference times). Cached on disk.

        Returns how many tasks had to be computed; `on_done(k)` fires as each of them finishes."""
        ids = [t for t in (task_ids if task_ids is not None else self.problems) if t not in self.truth]
        if not ids:
            return 0
        truth, computed = ground_truth(self, ids, pool, self._reference_job, self._digest, on_done)
        self.truth.update(truth)
        return computed

    def _reference_job(self, problem: Problem) -> Job:
        """A job running the reference solution that records what `_digest` keeps."""
        raise NotImplementedError

    @staticmethod
    def _digest(problem: Problem, result) -> dict:
        raise NotImplementedError

    def make_job(self, problem: Problem, solution: str, fail_fast: bool = True, job_id: str = "") -> Job:
        raise NotImplementedError

    def user_prompt(self, problem: Problem) -> str:
        """The plain instruction for a chat model: EvalPlus's wording around the task's prompt.

        A task without a code prompt (classic MBPP) is described as MBPP+ describes it: its text and first test
        in a docstring."""
        task = problem.prompt.strip()
        if not task:
            tests = str(problem.raw.get("test_code") or "").strip().splitlines()
            task = '"""\n' + "\n".join([str(problem.raw.get("text", "")).strip(), *tests[:1]]).strip() + '\n"""'
        return f"{CODE_INSTRUCTION}\n```\n{task}\n```\n"

    def buckets(self, problem: Problem) -> dict[str, str]:
        """Labels to split results by, e.g. {"difficulty": "easy", "month": "2024-05"}; none by default."""
        return {}

    def score(self, samples: list[dict], *, workers: int = 0, pool=None,
              on_progress: Callable[[str, int, int], None] | None = None, source: str = "sample",
              fail_fast: bool = True, isolation: str = "auto", limits=None) -> list[dict]:
        """One result row per sample (`task_id` plus `solution` or `completion`), in order.

        Args:
            workers: sandbox workers when no `pool` is given (0: one per core).
            pool: an open SandboxPool to reuse.
            on_progress: called as (phase, done, total).
            source: how to name a sample in error messages.
            fail_fast: stop a sample at its first failing test.
            isolation: sandbox isolation when no `pool` is given.
            limits: `recode.sandbox.Limits` for every program, instead of the benchmark's own.
        """
        from recode.eval.score import score_samples

        return score_samples(self, samples, workers=workers or None, pool=pool, on_progress=on_progress,
                             source=source, fail_fast=fail_fast, isolation=isolation, limits=limits)

    def groups(self, problem: Problem) -> list[str] | None:
        """Names of the test parts (["base", ..., "plus", ...]) when the benchmark has several."""
        return None


class AssertJobs:
    """Jobs of a benchmark whose tests are assert-style code (`self._tests(problem, reference_times)`): the
    reference run records each test's time, and a candidate's limits are calibrated from those times. Put it
    before the Benchmark base class; `_program` wraps a solution in what must run before it (a preamble)."""

    def _program(self, problem: Problem, code: str) -> str:
        return code

    def _reference_job(self, problem: Problem) -> Job:
        return Job(self._program(problem, problem.canonical_solution), self._tests(problem), id=problem.task_id,
                   fail_fast=False, limits=REFERENCE_LIMITS)

    @staticmethod
    def _digest(problem: Problem, result: JobResult) -> dict:
        return {"times": [v.time_s or 0.0 for v in result.tests],
                "reference_ok": [v.status is Status.PASS for v in result.tests]}

    def make_job(self, problem: Problem, solution: str, fail_fast: bool = True, job_id: str = "") -> Job:
        truth = self.truth.get(problem.task_id)
        return Job(self._program(problem, solution), self._tests(problem, truth["times"] if truth else None),
                   id=job_id or problem.task_id, fail_fast=fail_fast)
