"""The task schema, its loaders, and that every kind of test runs in the sandbox."""

import importlib.util
import json

import pytest

from recode.io import DataError
from recode.sandbox import AssertTests
from recode.task_sources import MBPP_SPLITS, called_function, pytest_to_check
from recode.tasks import Task, Tests, load_tasks, read_tasks, write_tasks


def _task(**tests) -> dict:
    return {"task_id": "t/1", "data_source": "unit", "domain": "code", "problem": "Add a and b.",
            "tests": tests or {"kind": "assert", "test_code": "assert add(1, 2) == 3", "entry_point": "add"}}


def test_round_trip_every_kind(tmp_path):
    records = [
        _task(),
        dict(_task(kind="call", entry_point="add", inputs=[[1, 2], [0, 0]], expected=[3, 0], atol=0.0),
             task_id="t/2"),
        dict(_task(kind="stdio", cases=[{"input": "1 2\n", "output": "3\n"}]), task_id="t/3"),
        {"task_id": "m/1", "data_source": "unit", "domain": "math", "problem": "1+1?",
         "tests": {"kind": "answer", "answer": "2"}, "solution": "2"},
    ]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    tasks = read_tasks(path)
    assert [t.tests.kind for t in tasks] == ["assert", "call", "stdio", "answer"]
    write_tasks(tmp_path / "again.jsonl", tasks)
    assert [t.to_dict() for t in read_tasks(tmp_path / "again.jsonl")] == [t.to_dict() for t in tasks]
    assert load_tasks(str(path))[0].task_id == "t/1"


@pytest.mark.parametrize("record, message", [
    (dict(_task(), domain="poetry"), "domain must be one of"),
    ({**_task(), "tests": {"kind": "fuzz"}}, "tests.kind must be one of"),
    ({**_task(), "tests": {"kind": "call", "entry_point": "f"}}, "missing inputs, expected"),
    ({**_task(), "tests": {"kind": "stdio", "cases": [], "answer": "1"}}, "unknown field(s) answer"),
    ({**_task(), "tests": {"kind": "assert", "test_code": "assert f(1) =="}}, "does not parse"),
    ({**_task(), "tests": {"kind": "assert", "test_code": "x = 1"}}, "contains no assert"),
    ({**_task(), "tests": {"kind": "call", "entry_point": "f", "inputs": [[1]], "expected": []}}, "equal length"),
    ({**_task(), "tests": {"kind": "answer", "answer": "2"}}, "do not fit domain 'code'"),
    ({k: v for k, v in _task().items() if k != "problem"}, "`problem` must be a non-empty string"),
])
def test_bad_records_fail_with_the_line(tmp_path, record, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(_task()) .replace('"t/1"', '"t/0"') + "\n" + json.dumps(record) + "\n")
    with pytest.raises(DataError, match=f"bad.jsonl:2.*{message.replace('(', '.').replace(')', '.')}"):
        read_tasks(path)


def test_duplicate_task_ids_are_rejected(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps(_task()) + "\n" + json.dumps(_task()) + "\n")
    with pytest.raises(DataError, match="dup.jsonl:2: duplicate task_id 't/1' .first on line 1."):
        read_tasks(path)


def test_unknown_source_or_missing_file():
    with pytest.raises(DataError, match="neither a task file nor a known source"):
        load_tasks("no-such-source")


def test_expression_entry_point_is_bound_to_candidate():
    tests = Tests("assert", test_code="def check(candidate):\n    assert candidate(1) == 2\n",
                  entry_point="Solution().inc")
    spec = tests.to_sandbox()
    assert isinstance(spec, AssertTests) and spec.entry_point is None
    assert spec.test_code.startswith("candidate = Solution().inc\n")


def test_called_function_skips_builtins():
    assert called_function("assert math.isclose(area(2), 12.56)") == "area"
    assert called_function("assert sorted(f(x)) == [1]") == "f"
    assert called_function("not python") is None


def test_pytest_file_becomes_check_steps():
    source = ("from solution import add, Thing\nimport pytest\n\ndef helper():\n    return 1\n\n"
              "def test_add():\n    assert add(1, 2) == 3\n\nclass TestThing:\n    def test_it(self):\n"
              "        assert Thing()\n\nif __name__ == '__main__':\n    pytest.main()\n")
    code, names = pytest_to_check(source)
    assert names == ["add", "Thing"]
    assert "from solution" not in code and "__main__" not in code
    assert code.rstrip().endswith("assert test_add() is None\n    assert TestThing().test_it() is None")
    with pytest.raises(DataError, match="takes arguments"):
        pytest_to_check("def test_x(tmp_path):\n    assert tmp_path\n")
    with pytest.raises(DataError, match="no test functions"):
        pytest_to_check("x = 1\n")


def test_sources_have_the_documented_shape():
    mbpp = load_tasks("mbpp-train")
    assert len(mbpp) == 374 and {int(t.task_id.split("/")[1]) for t in mbpp} == set(MBPP_SPLITS["train"])
    assert "Your code should pass this test:\nassert" in mbpp[0].problem
    assert len(load_tasks("mbpp-validation")) == 90
    leet = load_tasks("leetcode-train", limit=5)
    assert leet[0].starter_code.startswith("class Solution:") and leet[0].tests.prelude.startswith("from typing")
    assert "Please complete" not in leet[0].problem
    kod = load_tasks("kodcode-demo")
    assert len(kod) == 109 and all(t.data_source == "kodcode" for t in kod)
    gsm = load_tasks("gsm8k-train", limit=3)
    assert gsm[0].domain == "math" and gsm[0].tests.answer == "72" and "<<" not in gsm[0].meta["reference_reasoning"]


def _references_pass(pool, tasks):
    results = pool.run_batch([t.sandbox_job(t.solution, fail_fast=False) for t in tasks])
    return {t.task_id: str(r.status) for t, r in zip(tasks, results) if not r.passed}


# References that need a package the sandbox's interpreter lacks: preflight reports them (see docs/tasks.md).
NEEDS_PACKAGE = {"kodcode/algorithm/00000068": "scipy"}


@pytest.mark.parametrize("source", ["mbpp-train", "leetcode-train", "kodcode-demo"])
def test_reference_solutions_pass_in_the_sandbox(pool, source):
    tasks = load_tasks(source, limit=25)
    expected = {k: "runtime_error" for k, module in NEEDS_PACKAGE.items()
                if k in {t.task_id for t in tasks} and importlib.util.find_spec(module) is None}
    assert _references_pass(pool, tasks) == expected


def test_wrong_solutions_fail_in_the_sandbox(pool):
    tasks = load_tasks("mbpp-train", limit=5) + load_tasks("kodcode-demo", limit=5)
    results = pool.run_batch([t.sandbox_job("def unrelated():\n    pass\n") for t in tasks])
    assert not any(r.passed for r in results)


def test_call_and_stdio_kinds_run_in_the_sandbox(pool):
    call = Task.from_dict(_task(kind="call", entry_point="add", inputs=[[1, 2], [2, 2]], expected=[3, 4]))
    stdio = Task.from_dict(_task(kind="stdio", cases=[{"input": "1 2\n", "output": "3\n"}]))
    good, bad = pool.run_batch([call.sandbox_job("def add(a, b): return a + b"),
                                call.sandbox_job("def add(a, b): return 3")])
    assert good.passed and not bad.passed
    [io] = pool.run_batch([stdio.sandbox_job("a, b = map(int, input().split())\nprint(a + b)")])
    assert io.passed


def test_messages_and_reference_completion():
    task = load_tasks("kodcode-demo")[0]
    messages = task.messages()
    assert messages[0]["role"] == "system" and "<think>" in messages[0]["content"]
    assert "The tests import these names from your solution" in messages[1]["content"]
    assert task.reference_completion().startswith("<think>")
    assert Task.from_dict(dict(_task(), solution=None)).reference_completion() is None
