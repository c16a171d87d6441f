"""LiveCodeBench on a fixture in the Hub's exact schema (tests/fixtures/livecodebench: test.jsonl = release v1,
test2.jsonl = v2; one private test field is base64(zlib(pickle(JSON))))."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pytest

from recode.datasets import UnknownBenchmark, get_benchmark
from recode.datasets.livecodebench import decode_tests
from recode.io import DataError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "livecodebench"

STDIN_RIGHT = "a, b = map(int, input().split())\ns = a + b\nprint(s)\nprint('Yes' if s % 2 == 0 else 'No')\n"
STDIN_WRONG = "a, b = map(int, input().split())\nprint(a + b)\nprint('Yes')\n"
AVERAGE_RIGHT = ("n = int(input())\nxs = list(map(int, input().split()))\n"
                 "print(f'{sum(xs) / n:.2f}  ')\nprint(max(xs))\n")  # trailing spaces: lines are stripped
AVERAGE_UNROUNDED = "n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs) / n)\nprint(max(xs))\n"
PAIR = """class Solution:
    def bestPair(self, nums, k):
        best = None
        for i in range(len(nums)):
            for j in range(i + 1, len(nums)):
                s = nums[i] + nums[j]
                if s <= k and (best is None or s > sum(best)):
                    best = (min(nums[i], nums[j]), max(nums[i], nums[j]))
        return best or (-1, -1)
"""


@pytest.fixture
def lcb():
    return get_benchmark("livecodebench", path=str(FIXTURE))


def test_release_picks_the_hub_files_and_dates_filter(monkeypatch):
    assert set(get_benchmark("livecodebench", path=str(FIXTURE)).problems) == {"1873_A", "abc354_a", "3194"}
    assert set(get_benchmark("livecodebench", path=str(FIXTURE), release="release_v1").problems) == {"1873_A"}
    assert set(get_benchmark(f"livecodebench:path={FIXTURE},release=v2").problems) == {"abc354_a", "3194"}
    window = get_benchmark("livecodebench", path=str(FIXTURE), since="2024-01-01", until="2024-05-31")
    assert set(window.problems) == {"abc354_a"}  # both ends inclusive
    monkeypatch.setenv("RECODE_LCB_PATH", str(FIXTURE / "test2.jsonl"))
    assert set(get_benchmark("livecodebench", since="2024-06-02").problems) == {"3194"}


def test_compressed_private_tests_decode_exactly(lcb):
    problem = lcb.problems["abc354_a"]
    assert not problem.raw["private_test_cases"].lstrip().startswith("[")  # the fixture really is compressed
    tests = lcb.tests(problem)
    assert [t["input"] for t in tests] == ["1 2\n", "2 2\n", "10 20\n", "-5 2\n", "1000000000 1000000000\n"]
    assert tests[4]["output"] == "2000000000\nYes\n"
    assert all(t["testtype"] == "stdin" for t in tests)
    assert lcb.problems["3194"].entry_point == "bestPair"


def test_a_pickle_that_would_run_code_is_refused():
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    value = base64.b64encode(zlib.compress(pickle.dumps(Evil()))).decode()
    with pytest.raises(DataError, match="refusing to load builtins.print"):
        decode_tests(value, "record 1")
    with pytest.raises(DataError, match="record 2: expected a list"):
        decode_tests(json.dumps({"input": "1"}), "record 2")


def test_stdin_and_functional_solutions_are_judged(lcb, pool):
    samples = [
        {"task_id": "abc354_a", "solution": STDIN_RIGHT},
        {"task_id": "abc354_a", "completion": STDIN_WRONG},
        {"task_id": "1873_A", "solution": AVERAGE_RIGHT},
        {"task_id": "1873_A", "solution": AVERAGE_UNROUNDED},  # 2.3333333333333335 != 2.33 (exact decimals)
        {"task_id": "3194", "solution": PAIR},  # returns tuples: accepted as lists
        {"task_id": "3194", "solution": PAIR.replace("s <= k", "s < k")},
        {"task_id": "3194", "solution": "class Solution:\n    def bestPair(self, nums, k):\n        return nums[5]\n"},
        {"task_id": "3194", "solution": "def bestPair(nums, k):\n    return sorted(nums)[:2] if k > 4 else [1, 3]\n"},
    ]
    rows = lcb.score(samples, pool=pool)
    assert [r["passed"] for r in rows] == [True, False, True, False, True, False, False, False]
    assert [r["completion_id"] for r in rows] == [0, 1, 0, 1, 0, 1, 2, 3]
    assert rows[1]["status"] == "fail" and "Yes" in rows[1]["first_failure"]["detail"]
    assert rows[5]["status"] == "fail"
    assert rows[6]["status"] == "runtime_error" and "IndexError" in rows[6]["first_failure"]["detail"]
    summary = lcb.summary(rows)
    assert summary["buckets"]["difficulty"]["easy"] == {"n_tasks": 1, "pass@1": 0.5}
    assert summary["buckets"]["platform"]["leetcode"]["pass@1"] == 0.25
    assert summary["buckets"]["month"]["2023-09"]["n_tasks"] == 1
    assert summary["skipped"]["n_tasks"] == 0


def test_prompts_follow_livecodebench(lcb):
    functional = lcb.user_prompt(lcb.problems["3194"])
    assert functional.startswith("You are an expert Python programmer.")
    assert "### Format: You will use the following starter code" in functional
    assert "def bestPair(self, nums: List[int], k: int)" in functional
    stdin = lcb.user_prompt(lcb.problems["abc354_a"])
    assert "Read the inputs from stdin" in stdin and "# YOUR CODE HERE" in stdin
    assert stdin.endswith("### Answer: (use the provided format with backticks)\n\n")


@pytest.mark.parametrize("options,message", [
    ({"release": "release_v9"}, "unknown LiveCodeBench release 'release_v9'; known: release_v1"),
    ({"since": "2024-13-01"}, "since='2024-13-01' is not a date; write it as YYYY-MM-DD"),
    ({"until": "May 2024"}, "until='May 2024' is not a date"),
    ({"since": "2024-06-01", "until": "2024-01-01"}, "date window is empty"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(DataError, match=message):
        get_benchmark("livecodebench", path=str(FIXTURE), **options)


def test_missing_or_unknown_local_copies_are_named(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        _ = get_benchmark("livecodebench", path=str(tmp_path / "nope.jsonl")).problems
    with pytest.raises(DataError, match="holds none of the data files expected \\(test.jsonl\\)"):
        _ = get_benchmark("livecodebench", path=str(tmp_path), release="v1").problems
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question_id": "x"}) + "\n")
    with pytest.raises(DataError, match="bad.jsonl record 1: missing field\\(s\\) question_title"):
        _ = get_benchmark("livecodebench", path=str(bad)).problems
    with pytest.raises(UnknownBenchmark, match="does not take option\\(s\\) split"):
        get_benchmark("livecodebench:split=test")


def test_offline_without_a_local_copy_says_what_to_pass(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'livecodebench/code_generation_lite' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.delenv("RECODE_LCB_PATH", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match="offline, pass a local copy: path=.*test.jsonl, test2.jsonl.*RECODE_LCB_PATH"):
        _ = get_benchmark("livecodebench", release="release_v2").problems


def test_online_the_release_files_are_read_from_the_hub(monkeypatch):
    import datasets

    from recode.io import read_jsonl

    calls = []

    def fake_load(*args, **kwargs):
        calls.append((args, kwargs))
        rows = read_jsonl(FIXTURE / "test2.jsonl")
        for row in rows:  # pyarrow's JSON reader turns ISO date strings into datetimes
            import datetime

            row["contest_date"] = datetime.datetime.fromisoformat(row["contest_date"])
        return rows

    monkeypatch.delenv("RECODE_LCB_PATH", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    bench = get_benchmark("livecodebench", release="v2", since="2024-06-01")
    assert set(bench.problems) == {"3194"} and bench.problems["3194"].raw["contest_date"] == "2024-06-02"
    assert calls == [(("json",), {"data_files": ["hf://datasets/livecodebench/code_generation_lite/test2.jsonl"],
                                  "split": "train"})]
