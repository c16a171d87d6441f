import pytest

from recode.sandbox import AssertTests, CallTests, Job
from recode.sandbox.plan import TestCodeError as BadTestCode
from recode.sandbox.plan import parse_assert_tests, plan_job


def test_check_body_becomes_steps_and_literals_stay_with_the_worker():
    code = "import math\nMETADATA = {}\n\ndef check(candidate):\n    import math\n    assert candidate(1) == 2\n" \
           "    assert abs(candidate(2) - 3) < 1e-6\n    x = candidate(3)\n    assert x == y\n"
    setup, steps = parse_assert_tests(AssertTests(code, "f"))
    assert setup == ["import math", "METADATA = {}", "import math"]
    assert [s[0] for s in steps] == ["eqv", "val", "exec", "eq"]
    assert steps[0][2] == 2
    tasks = plan_job(0, Job("def f(x): return x + 1", AssertTests(code, "f")), 0.25)
    assert len(tasks) == 1  # an exec step may leave state: one process
    assert tasks[0].steps[0] == ("eqv", "candidate(1)", None) and tasks[0].expected[0] == 2


def test_bad_test_code_is_a_clear_error():
    with pytest.raises(BadTestCode, match="does not parse"):
        parse_assert_tests(AssertTests("def check(:"))
    with pytest.raises(BadTestCode, match="no assert"):
        parse_assert_tests(AssertTests("x = 1"))


def test_slow_jobs_are_split_by_reference_time():
    n = 40
    tests = CallTests("f", [[i] for i in range(n)], list(range(n)), reference_times=[0.1] * n,
                      groups=["base"] * 10 + ["plus"] * 30)
    tasks = plan_job(0, Job("def f(x): return x", tests, fail_fast=False), target_s=0.5)
    assert [len(t.indices) for t in tasks] == [5] * 8
    assert sorted(i for t in tasks for i in t.indices) == list(range(n))
    assert [t.group for t in tasks] == ["base"] * 2 + ["plus"] * 6


def test_a_split_fail_fast_job_probes_with_its_first_test_alone():
    n = 40
    tests = CallTests("f", [[i] for i in range(n)], list(range(n)), reference_times=[0.1] * n)
    tasks = plan_job(0, Job("def f(x): return x", tests, fail_fast=True), target_s=0.5)
    assert [len(t.indices) for t in tasks] == [1, 4] + [5] * 7
    assert sorted(i for t in tasks for i in t.indices) == list(range(n))
    # a job that fits in one task is not split for a probe: that would cost a fork per job
    small = CallTests("f", [[i] for i in range(3)], [0, 1, 2], reference_times=[0.01] * 3)
    assert [len(t.indices) for t in plan_job(0, Job("def f(x): return x", small), target_s=0.5)] == [3]


def test_chunks_are_consecutive_slices_of_the_job():
    import itertools
    import random

    rng = random.Random(0)
    for n, target in ((1, 0.5), (7, 100.0), (300, 0.5), (300, 0.05)):
        times = [rng.choice([1e-7, 0.001, 0.02, 0.3, 0.9]) for _ in range(n)]
        tests = CallTests("f", [[i] for i in range(n)], [i * 2 for i in range(n)], reference_times=times,
                          groups=["base"] * (n // 3) + ["plus"] * (n - n // 3))
        job = Job("def f(x): return 2 * x", tests, fail_fast=False)
        tasks = plan_job(0, job, target)
        assert [i for t in tasks for i in t.indices] == list(range(n))
        limits = job.limits.time_limits(times)
        for t in tasks:
            assert t.inputs == [tests.inputs[i] for i in t.indices]
            assert t.expected == [tests.expected[i] for i in t.indices]
            assert t.time_limits == [limits[i] for i in t.indices]
            assert t.group == tests.groups[t.indices[0]]
            # Greedy: a task stops at its first test that would take it over the target.
            est = [max(times[i], 1e-5) for i in t.indices]
            assert len(est) == 1 or sum(est) <= target + 1e-9
        if sum(max(x, 1e-5) for x in times) <= target:
            assert len(tasks) == 1
        for before, after in itertools.pairwise(tasks):
            assert sum(max(times[i], 1e-5) for i in before.indices) + max(times[after.indices[0]], 1e-5) > target


def test_inputs_travel_in_chunks_decoded_on_demand():
    import pickle

    from recode.sandbox.plan import Inputs

    items = [[k, {"s": str(k)}, (k, k + 0.5)] for k in range(150)]
    shipped = pickle.loads(pickle.dumps(Inputs(items)))
    assert len(shipped) == 150 and not shipped._decoded  # nothing decoded by receiving it
    assert shipped[130] == items[130] and list(shipped._decoded) == [130 // Inputs.CHUNK]
    assert shipped[-1] == items[-1] and shipped[3:6] == items[3:6]
    assert list(shipped) == items and shipped == items and shipped == Inputs(items)
    assert pickle.loads(pickle.dumps(shipped)) == items  # passed on again, still in chunks
    with pytest.raises(IndexError):
        shipped[150]
    assert pickle.loads(pickle.dumps(Inputs([]))) == []
