"""LeetCodeDataset v0.3.1 test split (228 problems, 2024-08 .. 2025-03) as an offline LiveCodeBench-like benchmark.

Each problem is scored as the dataset's own evaluation does: its imports preamble (`prompt`: standard-library
star imports, ListNode/TreeNode helpers) + the program, then `check(candidate)` with
`candidate = Solution().<method>`. The preamble runs again after the program, so the tests use the genuine
helpers (`is_same_list`, `tree_node`, ...) even if a program redefines them. Time limits per assert are
calibrated from the reference solution (`clamp(4 x its time, 1 s, 20 s)`, as for HumanEval).

Options: `since` / `until` (YYYY-MM-DD, inclusive, on `estimated_date`), `path` (another file of the same schema;
default $RECODE_LEETCODE_PATH, else the local data folder). Problems whose preamble, tests or reference import a
module that is not installed are skipped, not failed: without `sortedcontainers` that is 18 of them (17 preambles
import it, and one more reference solution).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from recode.datasets.base import AssertJobs, Problem
from recode.datasets.codebench import (
    CodeBenchmark,
    check_window,
    imported_modules,
    in_window,
    parse_date,
    read_records,
    record_date,
)
from recode.datasets.sources import data_dir, sha256_file
from recode.io import DataError
from recode.sandbox import AssertTests

PATH_ENV = "RECODE_LEETCODE_PATH"
LOCAL = ("leetcodedataset", "LeetCodeDataset-v0.3.1-test.jsonl.gz")
REQUIRED = ("task_id", "difficulty", "estimated_date", "prompt", "query", "completion", "test", "entry_point")


class LeetCodeDataset(AssertJobs, CodeBenchmark):
    name = "leetcodedataset"
    known_flaws: ClassVar[dict[str, str]] = {}

    def __init__(self, since=None, until=None, path: str | None = None):
        super().__init__()
        self.since, self.until = parse_date(since, "since"), parse_date(until, "until")
        check_window(self.since, self.until)
        self.path = Path(path or os.environ.get(PATH_ENV) or data_dir().joinpath(*LOCAL))
        if not self.path.is_file():
            raise DataError(f"LeetCodeDataset file not found at {self.path}; pass path=<file> (or set {PATH_ENV}, "
                            f"or RECODE_DATA_DIR to the folder that holds {'/'.join(LOCAL)})")

    def source_hash(self) -> str:
        return sha256_file(self.path)

    def load(self) -> dict[str, Problem]:
        out = {}
        for n, rec in enumerate(read_records(self.path), 1):
            missing = [k for k in REQUIRED if k not in rec]
            if missing:
                raise DataError(f"{self.path} record {n}: missing field(s) {', '.join(missing)}")
            day = record_date(rec["estimated_date"], f"{self.path} record {n} estimated_date")
            if not in_window(day, self.since, self.until):
                continue
            raw = dict(rec, estimated_date=day.isoformat())
            out[rec["task_id"]] = Problem(rec["task_id"], rec["prompt"], rec["entry_point"], rec["completion"], raw)
        return out

    def solution_of(self, sample: dict, where: str = "sample") -> str:
        # `solution` and `completion` are both the code after the preamble, which make_job puts first.
        if not isinstance(sample.get("solution"), str) and isinstance(sample.get("completion"), str):
            return sample["completion"]
        if isinstance(sample.get("solution"), str):
            return sample["solution"]
        raise DataError(f"{where}: needs a string field `solution` or `completion` (the program)")

    def required_modules(self, problem: Problem) -> set[str]:
        raw = problem.raw
        return imported_modules(raw["prompt"]) | imported_modules(raw["test"]) | imported_modules(raw["completion"])

    def _tests(self, problem: Problem, reference_times=None) -> AssertTests:
        raw = problem.raw
        return AssertTests(f"candidate = {raw['entry_point']}\n{raw['test']}", setup_code=raw["prompt"],
                           reference_times=reference_times)

    def _program(self, problem: Problem, code: str) -> str:
        return f"{problem.raw['prompt']}\n{code}"

    def prepare(self, pool, task_ids=None, on_done=None) -> int:
        ids = list(task_ids if task_ids is not None else self.problems)
        return super().prepare(pool, [t for t in ids if not self.missing_modules(self.problems[t])], on_done)

    def user_prompt(self, problem: Problem) -> str:
        return problem.raw["query"]  # the dataset's own prompt, in LiveCodeBench's format

    def buckets(self, problem: Problem) -> dict[str, str]:
        return {"difficulty": str(problem.raw["difficulty"]).lower(), "month": problem.raw["estimated_date"][:7]}
