"""BigCodeBench: unittest tests in the sandbox, prompts, skips for missing modules; the Hard set from local data.

tests/fixtures/bigcodebench/mini.json holds two tasks in the release schema (an object keyed by task_id): one
standard-library task whose tests use setUpClass, skipTest and `patch(__name__ + ".randint")`, and one that
imports a module no environment has.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recode.datasets import get_benchmark
from recode.datasets.bigcodebench import unittest_methods
from recode.io import DataError

MINI = str(Path(__file__).parents[1] / "fixtures" / "bigcodebench" / "mini.json")
TASK, MISSING = "BigCodeBench/9001", "BigCodeBench/9002"


@pytest.fixture
def mini(monkeypatch, tmp_path):
    monkeypatch.setenv("RECODE_CACHE_DIR", str(tmp_path))
    return get_benchmark("bigcodebench-hard", path=MINI)


def test_methods_in_loader_order():
    assert unittest_methods("import unittest\nclass Base(unittest.TestCase):\n    def test_b(self): pass\n"
                            "class TestCases(Base):\n    def test_a(self): pass\n    def helper(self): pass\n",
                            "t") == ["test_a", "test_b"]
    with pytest.raises(DataError, match="t: test code defines no class TestCases"):
        unittest_methods("x = 1", "t")


def test_reference_passes_and_wrong_programs_fail(mini, pool):
    reference = mini.problems[TASK].canonical_solution
    samples = [
        {"task_id": TASK, "solution": reference},
        {"task_id": TASK, "completion": mini.problems[TASK].canonical_solution.split("\n", 16)[-1]},
        {"task_id": TASK, "completion": "    return collections.Counter(text.split()).most_common(k + 1), 4\n"},
        {"task_id": TASK, "solution": "def task_func(text, k=2):\n    return None\n"},
        # calibrated (the default): the imports of the code prompt are there even when the program omits them
        {"task_id": TASK, "solution": "def task_func(text, k=2):\n"
                                      "    return collections.Counter(text.split()).most_common(k), randint(1, 6)\n"},
    ]
    rows = mini.score(samples, pool=pool)
    assert [r["passed"] for r in rows] == [True, True, False, False, True]
    assert rows[2]["status"] == "fail" and "AssertionError: Lists differ" in rows[2]["first_failure"]["detail"]
    assert rows[3]["status"] == "runtime_error" and "TypeError" in rows[3]["first_failure"]["detail"]
    assert len(mini.make_job(mini.problems[TASK], reference).tests.test_code.split("assert _recode_run_test")) == 5


def test_patch_of_the_programs_globals_reaches_the_program(mini, pool):
    no_patch = ("import collections\nimport random\ndef task_func(text, k=2):\n"
                "    return collections.Counter(text.split()).most_common(k), random.randint(1, 6)\n")
    [row] = get_benchmark("bigcodebench-hard", path=MINI, calibrated="false").score(
        [{"task_id": TASK, "solution": no_patch}], pool=pool)
    # `random.randint` is not the program's global `randint`, so the patched test sees a real die roll
    assert row["passed"] is False and row["first_failure"]["index"] == 2


def test_missing_modules_skip_the_task_and_are_named(mini, pool):
    assert mini.skipped() == {MISSING: ["not_a_real_module_xyz"]}
    rows = mini.score([{"task_id": MISSING, "solution": "def task_func():\n    return 1\n"},
                       {"task_id": TASK, "solution": mini.problems[TASK].canonical_solution}], pool=pool)
    assert rows[0]["status"] == "skipped" and rows[0]["passed"] is None
    assert rows[0]["missing_modules"] == ["not_a_real_module_xyz"]
    assert mini.summary(rows)["skipped"]["modules"] == {"not_a_real_module_xyz": 1}


def test_prompts_of_both_splits(mini):
    problem = mini.problems[TASK]
    complete = mini.user_prompt(problem)
    assert complete.startswith("Please provide a self-contained Python script that solves the following problem in "
                               "a markdown code block:\n```\nimport collections")
    instruct = get_benchmark("bigcodebench-hard", path=MINI, split="instruct").user_prompt(problem)
    assert instruct.endswith("You should write self-contained code starting with:\n```\nimport collections\n"
                             "from random import randint\ndef task_func(text, k=2):\n```\n")


def test_bad_options(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="unknown BigCodeBench split 'chat'; known: complete, instruct"):
        get_benchmark("bigcodebench-hard", split="chat")
    with pytest.raises(DataError, match="calibrated='maybe'"):
        get_benchmark("bigcodebench-hard:calibrated=maybe")
    with pytest.raises(DataError, match="no such file or folder"):
        _ = get_benchmark("bigcodebench-hard", path=str(tmp_path / "nope.json")).problems
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.delenv("RECODE_BIGCODEBENCH_PATH", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match="bigcode/bigcodebench \\(v0.1.4\\).*RECODE_BIGCODEBENCH_PATH"):
        _ = get_benchmark("bigcodebench").problems


def test_hard_set_loads_from_local_data():
    bench = get_benchmark("bigcodebench-hard")
    assert len(bench.problems) == 148
    problem = bench.problems["BigCodeBench/13"]
    assert problem.raw["methods"] and problem.canonical_solution.startswith(problem.raw["complete_prompt"])


@pytest.mark.slow
def test_hard_reference_solutions_pass_except_listed_flaws(pool):
    bench = get_benchmark("bigcodebench-hard", calibrated="false")
    samples = [{"task_id": t, "solution": p.canonical_solution} for t, p in bench.problems.items()]
    rows = bench.score(samples, pool=pool)
    failed = {r["task_id"]: r["first_failure"] for r in rows if r["passed"] is False}
    assert set(failed) <= set(bench.known_flaws), failed
    skipped = {r["task_id"]: r["missing_modules"] for r in rows if r["status"] == "skipped"}
    assert skipped == bench.skipped() and all(skipped.values())
    assert sum(r["passed"] is True for r in rows) == 148 - len(skipped) - len(failed)
