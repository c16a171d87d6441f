"""Accuracy, bootstrap intervals, breakdowns, baselines and the leaderboard."""

import math

import pytest

from recode.rmbench.metrics import (
    baselines,
    bootstrap_ci,
    chance_band,
    date_bucket,
    leaderboard,
    outcome,
    rewardbench_sections,
    summarize,
)
from recode.rmbench.pairs import Pair, Side


def _pairs(n, task_of=lambda i: f"t{i}", **kw):
    return [Pair(f"p{i}", "q", Side("a b c" if i % 2 else "a"), Side("a b" if i % 3 else "a b c d"),
                 task_id=task_of(i), **kw) for i in range(n)]


def test_outcome_counts_ties_as_half():
    assert (outcome(2, 1), outcome(1, 2), outcome(1, 1)) == (1.0, 0.0, 0.5)


def test_bootstrap_interval_contains_the_mean_and_narrows_with_more_pairs():
    small = bootstrap_ci([1.0] * 15 + [0.0] * 5)
    large = bootstrap_ci([1.0] * 150 + [0.0] * 50)
    assert small[0] < 0.75 < small[1] and large[0] < 0.75 < large[1]
    assert large[1] - large[0] < small[1] - small[0]
    assert bootstrap_ci([1.0] * 10) == (1.0, 1.0)
    assert bootstrap_ci([0.5, 1.0], seed=3) == bootstrap_ci([0.5, 1.0], seed=3)  # seeded


def test_cluster_bootstrap_is_wider_when_problems_repeat():
    # 10 problems with 10 identical-outcome pairs each: only 10 independent units, not 100.
    outcomes = [1.0 if p < 6 else 0.0 for p in range(10) for _ in range(10)]
    clusters = [f"t{p}" for p in range(10) for _ in range(10)]
    by_pair = bootstrap_ci(outcomes)
    by_problem = bootstrap_ci(outcomes, clusters)
    assert by_problem[1] - by_problem[0] > 2 * (by_pair[1] - by_pair[0])


def test_chance_band_is_symmetric_and_exact():
    lo, hi = chance_band(219)
    assert lo < 0.5 < hi and math.isclose(lo + hi, 1.0)
    assert chance_band(100) == (0.4, 0.6)


def test_date_buckets():
    assert date_bucket("2024-08-04", "month") == "2024-08"
    assert date_bucket("2024-08-04", "quarter") == "2024-Q3"
    assert date_bucket("2025-01-30", "year") == "2025"
    assert date_bucket(None, "month") == "?"


def test_summary_breakdowns_and_unit():
    pairs = _pairs(4, difficulty="Easy", date="2024-08-04")
    pairs[3].difficulty, pairs[3].date = "Hard", "2025-02-01"
    s = summarize(pairs, [1.0, 0.5, 1.0, 0.0], n_resamples=200)
    assert s["accuracy"] == 0.625 and s["ties"] == 1 and s["bootstrap_unit"] == "problem"
    assert s["by_difficulty"] == {"Easy": {"n": 3, "accuracy": 2.5 / 3}, "Hard": {"n": 1, "accuracy": 0.0}}
    assert set(s["by_date"]) == {"2024-08", "2025-02"}
    assert "rewardbench" not in s
    no_ids = _pairs(2, task_of=lambda i: None)
    assert summarize(no_ids, [1.0, 0.0], n_resamples=50)["bootstrap_unit"] == "pair"


def test_rewardbench_code_column_pools_the_hep_subsets():
    pairs = [Pair(str(i), "q", Side("a"), Side("b"), subset=s)
             for i, s in enumerate(["hep-python", "hep-python", "hep-go", "math-prm", "chat"])]
    cols = rewardbench_sections(pairs, [1.0, 1.0, 0.0, 1.0, 0.0])
    assert cols == {"Code": {"n": 3, "accuracy": 2 / 3}, "Math": {"n": 1, "accuracy": 1.0}}


def test_baselines_measure_longer_wins():
    pairs = [Pair("a", "q", Side("one two three"), Side("one")), Pair("b", "q", Side("one"), Side("one two")),
             Pair("c", "q", Side("x y"), Side("z w"))]
    b = baselines(pairs)
    assert b["longer_wins"] == pytest.approx(1.5 / 3) and b["chosen_longer_fraction"] == pytest.approx(1 / 3)
    assert b["random"] == 0.5 and b["random_band"][0] < 0.5 < b["random_band"][1]


def test_leaderboard_sorts_by_accuracy_and_lists_baselines():
    pairs = _pairs(6, difficulty="Easy")
    results = [{"scorer": name, "summary": summarize(pairs, outs, n_resamples=100), "baselines": baselines(pairs)}
               for name, outs in [("weak", [0.0] * 6), ("strong", [1.0] * 5 + [0.5])]]
    table = leaderboard(results)
    lines = table.splitlines()
    assert lines[0].startswith("| scorer | pairs | accuracy | 95% CI | ties | Easy |")
    assert lines[2].startswith("| strong | 6 | 91.7 |") and lines[3].startswith("| weak | 6 | 0.0 |")
    assert "longer reasoning wins" in table and "random 50.0%" in table


@pytest.mark.parametrize("name", ["recode.rmbench.metrics", "recode.rmbench.build", "recode.rmbench.judge",
                                  "recode.rmbench.evaluate"])
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
