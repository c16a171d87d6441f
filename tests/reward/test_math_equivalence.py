"""The math outcome check (the gate of the consistency-gated reward) on answers written differently: equivalent
forms must pass and wrong answers must fail, through the same path the reward takes (completion -> parsed final
answer -> math-verify in a worker process under a time limit)."""

import pytest

from recode.reward.mathcheck import MathChecker
from recode.reward.verifiers import MathVerifier
from recode.tasks import Task, Tests
from recode.text import parse_completion

# (reference answer, a differently written equivalent answer)
EQUIVALENT = [
    # fractions and decimals
    (r"\frac{1}{2}", "0.5"), ("0.5", r"\dfrac{1}{2}"), (r"\frac{3}{4}", "3/4"), ("0.75", r"\tfrac34"),
    (r"-\frac{1}{2}", r"\frac{-1}{2}"), ("2.50", "2.5"), ("18", "18.0"), ("7", "007"),
    # LaTeX forms
    (r"3\sqrt{2}", r"\sqrt{18}"), (r"\frac{\pi}{2}", r"\pi/2"), ("(x+1)^2", "x^2+2x+1"),
    (r"\left( 3, \frac{\pi}{2} \right)", r"(3,\frac{\pi}{2})"), (r"\{1, 2\}", r"\{2, 1\}"),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}"), ("x = 5", "5"),
    (r"\text{Evelyn}", "Evelyn"), (r"\text{(B)}", "B"), (r"2\sqrt{3}", r"\sqrt{12}"),
    # \boxed in the answer block
    ("42", r"\boxed{42}"), (r"\frac{5}{6}", r"\boxed{\dfrac{5}{6}}"),
    # units, money and percent
    ("18", r"\$18"), ("32348", r"\$32,\!348"), ("18.90", r"\$18.90"), ("1000", "1,000"), ("5", r"5\text{ cm}"),
    ("90", r"90^\circ"), ("20", r"20\%"), ("0.2", r"20\%"), ("18", r"18 \text{ dollars}"),
    # intervals
    ("(1, 2]", "(1,2]"), (r"(-\infty, 3)", r"(-\infty,3)"), ("[0,1]", r"x \in [0, 1]"),
    (r"(-\infty, 0) \cup (1, \infty)", r"(-\infty,0)\cup(1,\infty)"),
]

# (reference answer, a wrong answer)
WRONG = [
    ("8", "7"), (r"\frac{1}{3}", "0.33"), (r"\frac{1}{3}", "0.333"), (r"\pi", "3.14159"), ("4.00001", "4"),
    ("(1, 2]", "[1, 2)"), ("(1, 2)", "[1, 2]"), (r"\frac{1}{2}", r"\frac{2}{1}"), ("x+1", "x-1"),
    (r"\sqrt{2}", "2"), ("-5", "5"), ("1000", "100"), ("20", r"2\%"), (r"\{1, 2\}", r"\{1, 3\}"),
    (r"\text{(B)}", "C"), ("(x+1)^2", "x^2+1"),
]


@pytest.fixture(scope="module")
def checker():
    c = MathChecker(workers=1, timeout_s=10)
    yield c
    c.close()


def _completion(answer: str) -> str:
    return f"<think>\nWorked it out.\n</think>\n<answer>\n{answer}\n</answer>"


def _verdicts(checker, cases):
    preds = [parse_completion(_completion(pred), "math").final_answer for _, pred in cases]
    return checker.check([(pred, gold) for pred, (gold, _) in zip(preds, cases)])


def test_equivalent_answers_are_judged_right(checker):
    verdicts = _verdicts(checker, EQUIVALENT)
    wrong = [(case, v.status) for case, v in zip(EQUIVALENT, verdicts) if not v.equal]
    assert wrong == []


def test_wrong_answers_are_judged_wrong(checker):
    verdicts = _verdicts(checker, WRONG)
    passed = [case for case, v in zip(WRONG, verdicts) if v.equal]
    assert passed == []
    assert all(v.status == "wrong" for v in verdicts)


def test_the_check_is_symmetric_enough_for_references_written_either_way(checker):
    """The reference may be the plain form and the prediction the LaTeX one, or the other way round."""
    cases = [(pred, gold) for gold, pred in EQUIVALENT if "\\in" not in pred and "x =" not in pred]
    verdicts = checker.check(cases)
    assert [case for case, v in zip(cases, verdicts) if not v.equal] == []


def test_no_answer_and_the_verifier_path():
    task = Task("m/1", "unit", "math", "What is 1/2 + 1/4?", Tests("answer", answer=r"\frac{3}{4}"))
    verifier = MathVerifier(workers=1, timeout_s=10)
    try:
        verdicts = verifier.verify([(task, "0.75"), (task, None), (task, "  "), (task, "0.7")])
    finally:
        verifier.close()
    assert [(v.out, v.status) for v in verdicts] == [(1.0, "pass"), (0.0, "no_answer"), (0.0, "no_answer"),
                                                      (0.0, "wrong")]
