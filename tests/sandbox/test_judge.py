import marshal

import pytest

from recode.sandbox import CallTests, Job, Status
from recode.sandbox import codec
from recode.sandbox.judge import fast_pass, judge, shipped_as_digest
from recode.sandbox.plan import plan_job


def _task(expected_raw, oracle="default"):
    tests = CallTests("f", [[x] for x in range(len(expected_raw))], [None] * len(expected_raw),
                      expected_raw=expected_raw, oracle=oracle)
    (task,) = plan_job(0, Job("def f(x): return x", tests), target_s=10.0)
    return task


def test_identical_bytes_pass_without_decoding():
    task = _task([marshal.dumps([1, 2]), marshal.dumps("a")])
    verdict = fast_pass(task, 0, (0, "out", marshal.dumps([1, 2]), 0.001))
    assert verdict.status is Status.PASS and verdict.time_s == 0.001


@pytest.mark.parametrize("item", [
    (1, "out", marshal.dumps([1, 2]), 0.001),           # not the test that runs now
    (True, "out", marshal.dumps([1, 2]), 0.001),        # a bool is not an index
    (0, "out", bytearray(marshal.dumps([1, 2])), 0.1),  # only exact bytes compare by bytes
    (0, "out", marshal.dumps([1, 2, 3]), 0.001),        # other bytes: judged the slow way
    (0, "eqv", marshal.dumps([1, 2]), 0.001),
    (0, "out", marshal.dumps([1, 2]), 1),               # malformed time
    [0, "out", marshal.dumps([1, 2]), 0.001],
    (0, "out", marshal.dumps([1, 2])),
])
def test_anything_else_takes_the_full_path(item):
    assert fast_pass(_task([marshal.dumps([1, 2])]), 0, item) is None


def test_oracles_that_read_the_value_never_pass_by_bytes():
    task = _task([marshal.dumps(0.5)], oracle="find_zero")
    assert fast_pass(task, 0, (0, "out", marshal.dumps(0.5), 0.001)) is None


def test_the_full_path_compares_values_not_encodings():
    task = _task([marshal.dumps({1: "a", 2: "b"})])
    reordered = marshal.dumps({2: "b", 1: "a"})
    assert fast_pass(task, 0, (0, "out", reordered, 0.001)) is None
    assert judge(task, 0, "out", (reordered,)).status is Status.PASS
    wrong = judge(task, 0, "out", (marshal.dumps({1: "a"}),))
    assert wrong.status is Status.FAIL and "expected" in wrong.detail


def _big_task(value, oracle="default"):
    raw = marshal.dumps(value, 2)
    assert len(raw) > codec.DIGEST_MIN_BYTES
    tests = CallTests("f", [[0], [1]], [None, None], expected_raw=[raw, marshal.dumps(1, 2)], oracle=oracle)
    (task,) = plan_job(0, Job("def f(x): return x", tests), target_s=10.0)
    return task, raw


def test_large_expected_encodings_travel_as_digests():
    task, raw = _big_task(list(range(20_000)))
    assert task.expected_raw == [None, marshal.dumps(1, 2)] and task.expected_digest == [codec.digest(raw), None]
    assert shipped_as_digest(task, 0) and not shipped_as_digest(task, 1)
    # Large outputs are offered by digest first (tests/sandbox/test_pool.py); bytes that arrive need judging.
    assert fast_pass(task, 0, (0, "out", raw, 0.5)) is None
    assert fast_pass(task, 1, (1, "out", marshal.dumps(1, 2), 0.5)).status is Status.PASS


def test_oracles_that_read_the_value_keep_their_expected_encodings():
    task, raw = _big_task([0.5] * 20_000, oracle="find_zero")
    assert task.expected_raw[0] == raw and not shipped_as_digest(task, 0)
