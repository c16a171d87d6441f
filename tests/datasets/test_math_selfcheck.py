"""Every reference answer of GSM8K test (1319) and MATH-500 (500) verifies against itself, through the full path
the reward and the evaluation take: the reference written in the reasoning format -> parsed -> math-verify. The
only exceptions allowed are the parse failures listed here (and in docs/math.md); today there are none."""

import pytest

from recode.datasets import get_benchmark
from recode.reward.mathcheck import MathChecker
from recode.task_sources import gsm8k_tasks, math500_tasks
from recode.text import last_boxed, parse_completion

# task_id -> why its reference does not verify against itself (none since `\$` and `\!` are normalized)
KNOWN_PARSE_FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def checker():
    c = MathChecker(workers=1, timeout_s=10)
    yield c
    c.close()


@pytest.mark.slow
@pytest.mark.parametrize("name, tasks, size", [("gsm8k", lambda: gsm8k_tasks("test"), 1319),
                                               ("math500", math500_tasks, 500)])
def test_reference_answers_verify_against_themselves(checker, name, tasks, size):
    tasks = tasks()
    assert len(tasks) == size
    plain = checker.check([(t.tests.answer, t.tests.answer) for t in tasks])
    parsed = [parse_completion(t.reference_completion(), "math") for t in tasks]
    assert all(p.format_ok for p in parsed)
    full = checker.check([(p.final_answer, t.tests.answer) for p, t in zip(parsed, tasks)])
    failures = {t.task_id for t, a, b in zip(tasks, plain, full) if not (a.equal and b.equal)}
    assert failures == {tid for tid in KNOWN_PARSE_FAILURES if tid.startswith(name)}
    # the benchmark scores each reference completion as right
    rows = get_benchmark(name).score([{"task_id": t.task_id, "completion": t.reference_completion()}
                                      for t in tasks], checker=checker)
    assert sum(r["passed"] for r in rows) == size - len(failures)


@pytest.mark.slow
def test_math500_worked_solutions_box_the_reference_answer(checker):
    tasks = math500_tasks()
    verdicts = checker.check([(last_boxed(t.meta["reference_reasoning"]), t.tests.answer) for t in tasks])
    assert [t.task_id for t, v in zip(tasks, verdicts) if not v.equal] == []
