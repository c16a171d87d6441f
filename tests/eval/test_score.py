import json
import math
from itertools import combinations

import pytest
from typer.testing import CliRunner

from recode.cli import app
from recode.datasets import get_benchmark
from recode.eval.metrics import pass_at_k, summarize
from recode.eval.score import score_samples, summary
from recode.io import DataError

HE0 = "HumanEval/0"


def _base_only_solution(problem) -> str:
    """Right on the base inputs, wrong elsewhere: must pass base and fail plus."""
    base = [repr(list(a)) for a in problem.raw["base_input"]]
    ep = problem.entry_point
    return (problem.canonical_solution + f"\n_ref = {ep}\n_BASE = {base!r}\n"
            f"def {ep}(*args):\n    return _ref(*args) if repr(list(args)) in _BASE else None\n")


def test_base_and_plus_are_reported_separately(pool):
    bench = get_benchmark("humaneval+")
    problem = bench.problems[HE0]
    samples = [
        {"task_id": HE0, "completion": problem.raw["canonical_solution"], "extra_field": "ignored"},
        {"task_id": HE0, "solution": _base_only_solution(problem)},
        {"task_id": HE0, "solution": problem.prompt + "    return None\n"},
    ]
    rows = score_samples(bench, samples, pool=pool)
    assert [(r["passed"], r["base_passed"], r["plus_passed"]) for r in rows] == [
        (True, True, True), (False, True, False), (False, False, False)]
    assert [r["completion_id"] for r in rows] == [0, 1, 2]
    assert rows[1]["first_failure"]["status"] == "fail" and rows[1]["first_failure"]["input"]
    assert rows[2]["status"] == "fail"
    result = summary(rows, bench)
    assert math.isclose(result["base"]["pass@1"], 2 / 3) and math.isclose(result["plus"]["pass@1"], 1 / 3)


def test_plain_benchmarks_have_no_plus(pool):
    bench = get_benchmark("mbpp")
    rows = score_samples(bench, [{"task_id": 11, "completion": bench.problems["Mbpp/11"].canonical_solution}],
                         pool=pool)
    assert rows[0]["task_id"] == "Mbpp/11" and rows[0]["passed"] and rows[0]["plus_passed"] is None


@pytest.mark.parametrize("sample,message", [
    ({"solution": "x"}, "line 1: missing field `task_id`"),
    ({"task_id": "HumanEval/999", "solution": "x"}, "not in humaneval"),
    ({"task_id": HE0}, "needs a string field `solution`"),
])
def test_bad_samples_name_what_to_fix(sample, message, pool):
    with pytest.raises(DataError, match=message):
        score_samples("humaneval", [sample], pool=pool)


def test_pass_at_k_matches_brute_force():
    for n, c, k in [(5, 2, 1), (5, 2, 3), (6, 0, 2), (6, 6, 4), (10, 3, 5)]:
        draws = list(combinations([True] * c + [False] * (n - c), k))
        assert math.isclose(pass_at_k(n, c, k), sum(any(d) for d in draws) / len(draws))
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 5)
    rows = [{"task_id": "a", "ok": True}, {"task_id": "a", "ok": False}, {"task_id": "b", "ok": False},
            {"task_id": "b", "ok": False}]
    assert summarize(rows, "ok", ks=(1, 2, 10)) == {"pass@1": 0.25, "pass@2": 0.5}


def test_cli_scores_a_samples_file(tmp_path):
    bench = get_benchmark("humaneval+")
    samples = tmp_path / "s.jsonl"
    samples.write_text("\n".join(json.dumps({"task_id": t, "solution": bench.problems[t].canonical_solution})
                                 for t in ["HumanEval/0", "HumanEval/1"]) + "\n")
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(app, ["eval", "score", "--benchmark", "humaneval+", "--samples", str(samples),
                                   "--out", str(out), "--workers", "2", "--summary-out", str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    assert "pass@1 base 100.0% | plus 100.0%" in res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["passed"] for r in rows] == [True, True]
    assert {"task_id", "passed", "base_passed", "plus_passed", "status"} <= set(rows[0])


def test_cli_reports_malformed_jsonl_without_traceback(tmp_path):
    samples = tmp_path / "s.jsonl"
    samples.write_text('{"task_id": "HumanEval/0", "solution": "x"}\n{not json}\n')
    res = CliRunner().invoke(app, ["eval", "score", "--benchmark", "humaneval", "--samples", str(samples),
                                   "--out", str(tmp_path / "r.jsonl")])
    assert res.exit_code == 2
    assert "s.jsonl:2: not valid JSON" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(app, ["eval", "score", "--benchmark", "nope", "--samples", str(samples),
                                   "--out", str(tmp_path / "r.jsonl")])
    assert res.exit_code == 2 and "unknown benchmark 'nope'" in res.output
