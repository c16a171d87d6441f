"""HumanEval and MBPP with their original assert-style tests.

HumanEval: `prompt + completion`, then the task's `check(candidate)`. MBPP: the standard test split
(task ids 11-510) with `test_setup_code` and `test_list`; task ids are written `Mbpp/<n>` as in MBPP+, and a
bare number is accepted in samples. Per-step time limits are calibrated from the reference solution.
"""

from __future__ import annotations

import re

from recode.datasets.base import AssertJobs, Benchmark, Problem
from recode.datasets.sources import DataSource, sha256_file
from recode.io import read_jsonl
from recode.sandbox import AssertTests


class _AssertBenchmark(AssertJobs, Benchmark):
    source: DataSource

    def source_hash(self) -> str:
        return sha256_file(self.source.path())

    def _tests(self, problem: Problem, reference_times=None) -> AssertTests:
        raw = problem.raw
        return AssertTests(raw["test_code"], entry_point=raw.get("check_entry"), setup_code=raw.get("setup", ""),
                           reference_times=reference_times)


class HumanEval(_AssertBenchmark):
    name = "humaneval"
    source = DataSource(("humaneval", "HumanEval.jsonl.gz"), None,
                        "https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz")

    def load(self) -> dict[str, Problem]:
        out = {}
        for rec in read_jsonl(self.source.path(),
                              required=("task_id", "prompt", "canonical_solution", "test", "entry_point")):
            raw = dict(rec, test_code=rec["test"], check_entry=rec["entry_point"])
            out[rec["task_id"]] = Problem(rec["task_id"], rec["prompt"], rec["entry_point"],
                                          rec["prompt"] + rec["canonical_solution"], raw)
        return out


_CALLED = re.compile(r"assert\s+(?:not\s+)?\(?\s*(?:set\s*\(|math\.isclose\s*\()?\s*([A-Za-z_]\w*)\s*\(")


class Mbpp(_AssertBenchmark):
    name = "mbpp"
    source = DataSource(("mbpp", "mbpp.jsonl"), None,
                        "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/mbpp.jsonl")
    test_split = range(11, 511)

    def load(self) -> dict[str, Problem]:
        out = {}
        for rec in read_jsonl(self.source.path(), required=("task_id", "text", "code", "test_list")):
            if int(rec["task_id"]) not in self.test_split:
                continue
            task_id = f"Mbpp/{rec['task_id']}"
            match = _CALLED.search(rec["test_list"][0])
            entry = match.group(1) if match else ""
            # check_entry: the tests call this function by name; its results are guarded like `candidate`'s.
            raw = dict(rec, test_code="\n".join(rec["test_list"]), setup=rec.get("test_setup_code") or "",
                       check_entry=entry or None)
            out[task_id] = Problem(task_id, "", entry, rec["code"], raw)
        return out

    def solution_of(self, sample: dict, where: str = "sample") -> str:
        # MBPP has no code prompt: a completion is the whole program.
        if not isinstance(sample.get("solution"), str) and isinstance(sample.get("completion"), str):
            return sample["completion"]
        return super().solution_of(sample, where)
