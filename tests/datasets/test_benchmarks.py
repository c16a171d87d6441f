import pytest

from recode.datasets import UnknownBenchmark, get_benchmark
from recode.eval.score import score_samples


def test_unknown_benchmark_names_the_known_ones():
    with pytest.raises(UnknownBenchmark, match="humaneval\\+"):
        get_benchmark("humaneval-")


@pytest.mark.parametrize("name,count", [("humaneval", 164), ("humaneval+", 164), ("mbpp", 500), ("mbpp+", 399)])
def test_local_data_loads(name, count):
    bench = get_benchmark(name)
    assert len(bench.problems) == count
    problem = next(iter(bench.problems.values()))
    assert problem.entry_point and problem.canonical_solution


def test_mbppplus_inputs_get_their_python_types_back():
    problems = get_benchmark("mbpp+").problems
    assert all(type(arg) is tuple for arg in problems["Mbpp/2"].raw["base_input"][0])  # tuples, not JSON lists
    assert type(problems["Mbpp/124"].raw["base_input"][0][1]) is complex
    assert problems["Mbpp/2"].raw["atol"] == 0


def test_data_dir_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path))
    from recode.io import DataError

    with pytest.raises(DataError, match="RECODE_DATA_DIR"):
        _ = get_benchmark("humaneval").problems


# A spread of tasks with special oracles, float tolerances, tuple/set/complex inputs and slow inputs.
SUBSETS = {
    "humaneval+": ["HumanEval/0", "HumanEval/2", "HumanEval/32", "HumanEval/53", "HumanEval/99", "HumanEval/160"],
    "mbpp+": ["Mbpp/2", "Mbpp/115", "Mbpp/124", "Mbpp/164", "Mbpp/252", "Mbpp/295", "Mbpp/558", "Mbpp/581",
              "Mbpp/722", "Mbpp/791", "Mbpp/786"],
    "humaneval": ["HumanEval/0", "HumanEval/32", "HumanEval/38", "HumanEval/50", "HumanEval/163"],
    "mbpp": ["Mbpp/11", "Mbpp/17", "Mbpp/100", "Mbpp/300", "Mbpp/510"],
}


# The other registry entries have tests of their own (test_livecodebench.py, test_bigcodebench.py, ...).
@pytest.mark.parametrize("name", list(SUBSETS))
def test_reference_solutions_pass_on_a_subset(name, pool):
    bench = get_benchmark(name)
    samples = [{"task_id": t, "solution": bench.problems[t].canonical_solution} for t in SUBSETS[name]]
    rows = score_samples(bench, samples, pool=pool)
    assert [r["task_id"] for r in rows if not r["passed"] and r["task_id"] not in bench.known_flaws] == []
    assert all(r["base_passed"] for r in rows if r["task_id"] not in bench.known_flaws)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SUBSETS))
def test_every_reference_solution_passes_except_listed_flaws(name, pool):
    bench = get_benchmark(name)
    samples = [{"task_id": t, "solution": p.canonical_solution} for t, p in bench.problems.items()]
    rows = score_samples(bench, samples, pool=pool)
    failing = {r["task_id"] for r in rows if not r["passed"]}
    assert failing == set(bench.known_flaws)
