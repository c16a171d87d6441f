"""Math benchmarks: answer extraction from completions, scoring by math-verify, buckets, and maj@k."""

import shutil
from pathlib import Path

import pytest

from recode.datasets import BENCHMARKS, get_benchmark
from recode.datasets.math_benchmarks import answer_key, last_number
from recode.eval.metrics import majority_at_k, summarize, summarize_majority
from recode.io import DataError
from recode.reward.mathcheck import MathChecker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "math"


@pytest.fixture(scope="module")
def checker():
    c = MathChecker(workers=1, timeout_s=10)
    yield c
    c.close()


def test_registry_has_the_math_benchmarks():
    for name, size in [("gsm8k", 1319), ("math500", 500)]:
        bench = get_benchmark(name)
        assert bench.domain == "math" and len(bench.problems) == size
    assert {"aime24", "aime25", "minerva"} <= set(BENCHMARKS)


@pytest.mark.parametrize("completion, answer, format_ok", [
    ("<think>3 + 4 = 7</think><answer>\\boxed{7}</answer>", "7", True),
    ("<think>r</think><answer>The area is \\boxed{\\frac{1}{2}} units.</answer>", "\\frac{1}{2}", True),
    ("<think>r</think><answer>\\frac{1}{2}</answer>", "\\frac{1}{2}", True),
    ("We get \\boxed{3} at first, but then \\boxed{4}.", "4", False),  # no tags: the last \boxed anywhere
    ("<think>maybe \\boxed{3}</think> so it is \\boxed{5}", "5", False),
    ("No answer here at all, 12 and 13.", None, False),  # MATH: prose is no answer; no last-number rule
    ("The answer is within \\boxed{}.", None, False),  # an empty \boxed{} is no answer either
])
def test_math500_extraction(completion, answer, format_ok):
    assert get_benchmark("math500").extract_answer(completion) == (answer, format_ok)


@pytest.mark.parametrize("completion, answer", [
    ("<think>3 * 6 = 18</think><answer>\\boxed{18}</answer>", "18"),
    ("<think>r</think><answer>The answer is 18.</answer>", "18"),
    ("<think>r</think><answer>\\boxed{\\text{18 dollars}}</answer>", "18"),
    ("<think>r</think><answer>\\$1,250</answer>", "\\$1,250"),  # no words: math-verify reads it as it is
    ("She has 3 apples, then 5 more, so 8 apples in all.", "8"),  # no tags, no \boxed: the last number
    ("Total: 1,234.5 dollars", "1234.5"),
])
def test_gsm8k_extraction_falls_back_to_the_last_number(completion, answer):
    assert get_benchmark("gsm8k").extract_answer(completion)[0] == answer


def test_last_number():
    assert last_number("x = -3.5, then 2") == "2" and last_number("a -4 b") == "-4" and last_number("none") is None


def test_score_rows(checker):
    bench = get_benchmark("gsm8k")
    first, second = list(bench.problems)[:2]  # answers 18 and 3
    samples = [{"task_id": first, "completion": "<think>16-3-4=9, 9*2=18</think><answer>\\boxed{18}</answer>"},
               {"task_id": first, "completion": "so she makes $18.00 a day"},
               {"task_id": first, "completion": "<think>hmm</think><answer>\\boxed{19}</answer>"},
               {"task_id": second, "completion": "I do not know."},
               {"task_id": second, "completion": "<answer>3</answer>"}]
    rows = bench.score(samples, checker=checker)
    assert [r["passed"] for r in rows] == [True, True, False, False, True]
    assert [r["status"] for r in rows] == ["pass", "pass", "wrong", "no_answer", "pass"]
    assert [r["completion_id"] for r in rows] == [0, 1, 2, 0, 1]
    assert rows[0]["format_ok"] and not rows[1]["format_ok"] and rows[0]["reference"] == "18"
    assert [r["answer_key"] for r in rows] == ["18", "18", "19", None, "3"]
    assert summarize(rows, "base_passed", ks=(1, 2)) == {"pass@1": pytest.approx((2 / 3 + 1 / 2) / 2),
                                                        "pass@2": pytest.approx((1 + 1) / 2)}
    assert summarize_majority(rows, ks=(2,)) == {"maj@2": 1.0}  # task 2: "3" is the only vote


def test_score_errors_name_the_line(checker):
    bench = get_benchmark("math500")
    with pytest.raises(DataError, match=r"s.jsonl line 2: task_id 'nope' is not in math500 .ids look like"):
        bench.score([{"task_id": next(iter(bench.problems)), "completion": "x"}, {"task_id": "nope"}],
                    checker=checker, source="s.jsonl")
    with pytest.raises(DataError, match=r"line 1: needs a string field `completion`"):
        bench.score([{"task_id": next(iter(bench.problems))}], checker=checker)
    with pytest.raises(ValueError, match="math benchmark"):
        bench.make_job(next(iter(bench.problems.values())), "x")


def test_math500_buckets_and_prompt():
    bench = get_benchmark("math500")
    problem = bench.problems["math500/test/precalculus/807.json"]
    assert bench.buckets(problem) == {"level": "2", "subject": "Precalculus"}
    prompt = bench.user_prompt(problem)
    assert prompt.startswith("Convert the point $(0,3)$") and prompt.endswith("final answer within \\boxed{}.")
    assert get_benchmark("gsm8k").buckets(next(iter(get_benchmark("gsm8k").problems.values()))) == {}


def test_hub_benchmark_from_a_local_copy(tmp_path, monkeypatch):
    (tmp_path / "aime24").mkdir()
    shutil.copy(FIXTURES / "aime_2024_train.jsonl", tmp_path / "aime24" / "train.jsonl")
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path))
    bench = get_benchmark("aime24")
    rows = bench.score([{"task_id": "aime24/60", "completion": "<think>t=24</think><answer>\\boxed{204}</answer>"},
                        {"task_id": "aime24/61", "completion": "<think>x</think><answer>\\boxed{025}</answer>"}],
                       workers=0)  # 0, as the harness passes it: one checking process of its own
    assert [r["passed"] for r in rows] == [True, True]


@pytest.mark.parametrize("a, b", [("\\dfrac{1}{2}", "0.5"), ("1/2", "0.50"), ("1,000", "1000"),
                                  ("\\left( 1, 2 \\right)", "(1,2)"), ("90^\\circ", "90"), ("\\$18", "18"),
                                  ("\\text{Evelyn}", "Evelyn"), ("50\\%", "50"), ("-\\frac{3}{4}", "-0.75")])
def test_answer_keys_unify_layout(a, b):
    assert answer_key(a) == answer_key(b)


def test_answer_keys_keep_different_answers_apart():
    assert len({answer_key(a) for a in ["1/2", "1/3", "x+1", "(1,2)", "[1,2]", "2"]}) == 6
    assert answer_key(None) is None and answer_key("  ") is None


def test_majority_vote_rules():
    def rows(keys, right):
        return [{"task_id": "t", "completion_id": i, "answer_key": k, "passed": k == right}
                for i, k in enumerate(keys)]

    assert majority_at_k(rows(["1", "2", "2", "1", "1"], "1"), 5) == 1.0
    assert majority_at_k(rows(["1", "2", "2", "1", "1"], "1"), 3) == 0.0  # first 3: "2" wins
    assert majority_at_k(rows(["2", "1", None, None], "1"), 4) == 0.0  # a tie goes to the first seen
    assert majority_at_k(rows([None, None], "1"), 2) == 0.0
    with pytest.raises(ValueError, match="maj@3 needs at least 3 samples"):
        majority_at_k(rows(["1", "2"], "1"), 3)
    assert summarize_majority(rows(["1"], "1")) == {}
    assert set(summarize_majority(rows(["1"] * 5, "1"), ks=(4, 8))) == {"maj@4", "maj@5"}


def test_hub_benchmark_from_a_path_option(tmp_path, monkeypatch):
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path))  # no local copy: only the option finds the data
    bench = get_benchmark(f"minerva:path={FIXTURES / 'minervamath_test.jsonl'}")
    assert [p.raw["answer"] for p in bench.problems.values()] == ["1.6", "100"]
    from recode.datasets import UnknownBenchmark

    with pytest.raises(UnknownBenchmark, match="gsm8k does not take option.s. path"):
        get_benchmark("gsm8k:path=x.jsonl")
