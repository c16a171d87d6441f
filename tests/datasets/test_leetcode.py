"""LeetCodeDataset v0.3.1 test split as an offline LiveCodeBench-like benchmark (local data)."""

from __future__ import annotations

import pytest

from recode.datasets import codebench, get_benchmark
from recode.io import DataError

TASK = "shortest-distance-after-road-addition-queries-i"
SORTED = "find-x-sum-of-all-k-long-subarrays-ii"  # its preamble imports sortedcontainers


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("RECODE_CACHE_DIR", str(tmp_path))


def test_loads_with_dates_and_buckets():
    bench = get_benchmark("leetcodedataset")
    assert len(bench.problems) == 228
    problem = bench.problems[TASK]
    assert bench.buckets(problem) == {"difficulty": "medium", "month": "2024-08"}
    assert {bench.buckets(p)["difficulty"] for p in bench.problems.values()} == {"easy", "medium", "hard"}
    recent = get_benchmark("leetcodedataset:since=2025-01-01")
    assert len(recent.problems) == 84 and min(p.raw["estimated_date"] for p in recent.problems.values()) >= "2025-01"
    assert len(get_benchmark("leetcodedataset", since="2024-08-01", until="2024-08-31").problems) == 25
    prompt = bench.user_prompt(problem)
    assert "### Question:" in prompt and "def shortestDistanceAfterQueries(self" in prompt


def test_reference_passes_and_wrong_answers_fail(cache, pool):
    bench = get_benchmark("leetcodedataset")
    reference = bench.problems[TASK].canonical_solution
    wrong = reference.replace("return ans", "return ans[::-1]") if "return ans" in reference else "x = 1/0"
    samples = [{"task_id": TASK, "solution": reference}, {"task_id": TASK, "completion": wrong},
               {"task_id": TASK, "solution": "class Solution:\n    def shortestDistanceAfterQueries(self, n, queries):\n"
                                             "        return [n - 1] * len(queries)\n"}]
    rows = bench.score(samples, pool=pool)
    assert [r["passed"] for r in rows] == [True, False, False]
    assert rows[2]["status"] == "fail" and rows[2]["first_failure"]["input"].startswith("assert candidate(")


def test_tasks_needing_a_missing_module_are_skipped_and_named(cache, pool, monkeypatch):
    monkeypatch.setattr(codebench, "is_installed", lambda module: module != "sortedcontainers")
    bench = get_benchmark("leetcodedataset")
    skipped = bench.skipped()
    assert len(skipped) == 18 and set(map(tuple, skipped.values())) == {("sortedcontainers",)}
    rows = bench.score([{"task_id": SORTED, "solution": bench.problems[SORTED].canonical_solution},
                        {"task_id": TASK, "solution": bench.problems[TASK].canonical_solution},
                        {"task_id": SORTED, "solution": "x"}], pool=pool)
    assert [r["status"] for r in rows] == ["skipped", "pass", "skipped"]
    assert rows[0]["passed"] is None and rows[0]["missing_modules"] == ["sortedcontainers"]
    assert [r["completion_id"] for r in rows] == [0, 0, 1]
    summary = bench.summary(rows)
    assert summary["base"] == {"pass@1": 1.0}  # skipped tasks are left out of pass@k
    assert summary["skipped"] == {"n_tasks": 1, "tasks": {SORTED: ["sortedcontainers"]},
                                  "modules": {"sortedcontainers": 1}}
    assert summary["status_counts"] == {"skipped": 2, "pass": 1}


def test_bad_options_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="until='2025-02-30' is not a date"):
        get_benchmark("leetcodedataset", until="2025-02-30")
    with pytest.raises(DataError, match="LeetCodeDataset file not found at .*nope.jsonl; pass path=<file>"):
        get_benchmark("leetcodedataset", path=str(tmp_path / "nope.jsonl"))


@pytest.mark.slow
def test_every_reference_solution_passes_except_listed_flaws(pool):
    bench = get_benchmark("leetcodedataset")
    samples = [{"task_id": t, "solution": p.canonical_solution} for t, p in bench.problems.items()]
    rows = bench.score(samples, pool=pool)
    failed = {r["task_id"]: r["first_failure"] for r in rows if r["passed"] is False}
    assert set(failed) <= set(bench.known_flaws), failed
    skipped = {r["task_id"] for r in rows if r["status"] == "skipped"}
    assert skipped == set(bench.skipped())
    assert len(rows) == 228 and len(skipped) <= 18
