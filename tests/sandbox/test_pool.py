"""The pool's own protocol: expected encodings shipped as digests, and fetched back only on a mismatch."""

from __future__ import annotations

import marshal

import pytest

from recode.sandbox import CallTests, Job, Limits, SandboxPool, Status, codec
from recode.sandbox.pool import SandboxError

N = 30_000  # an encoding of range(N) is ~150 KB, over codec.DIGEST_MIN_BYTES


def _job(code: str) -> Job:
    expected = list(range(N))
    raw = marshal.dumps(expected, codec.MARSHAL_VERSION)
    assert len(raw) > codec.DIGEST_MIN_BYTES
    tests = CallTests("f", [[N], [3]], [None, None], expected_raw=[raw, marshal.dumps([0, 1, 2], 2)],
                      groups=["base", "plus"])
    return Job(code, tests, fail_fast=False, limits=Limits(setup_time_s=1.0))


def test_an_output_equal_to_a_large_expected_one_passes(pool):
    result = pool.run(_job("def f(n): return list(range(n))"))
    assert result.passed, result.first_failure


def test_an_equal_value_encoded_differently_is_judged_on_the_fetched_expected_value(pool):
    # Floats equal to the expected ints: other bytes, other digest, yet equal under EvalPlus's comparison.
    result = pool.run(_job("def f(n): return [float(x) for x in range(n)]"))
    assert result.passed, result.first_failure


def test_a_wrong_large_output_fails_and_says_what_was_expected(pool):
    result = pool.run(_job("def f(n): return list(range(1, n + 1))"))
    assert [v.status for v in result.tests] == [Status.FAIL, Status.FAIL]
    assert result.tests[0].detail.startswith("expected [0, 1, 2") and "got [1, 2, 3" in result.tests[0].detail


def test_the_pool_keeps_working_after_fetches(pool):
    results = pool.run_batch([_job("def f(n): return list(range(1, n + 1))"),
                              _job("def f(n): return list(range(n))")] * 3)
    assert [r.passed for r in results] == [False, True] * 3


FORGE_YES = """
import os
r, w = os.pipe()
os.write(w, b"y" * 100)
os.dup2(r, 4)  # where the harness reads the worker's answers to its digest offers
def f(n): return list(range(1, n + 1))
"""


@pytest.mark.parametrize("code", [FORGE_YES, "import os\nos.close(4)\ndef f(n): return list(range(1, n + 1))\n",
                                  "import os\nos.read(4, 1)\ndef f(n): return list(range(1, n + 1))\n"])
def test_a_program_cannot_answer_its_own_digest_offer(pool, code):
    result = pool.run(_job(code))
    assert not result.passed and result.tests[0].status is not Status.PASS, result.to_dict()
    assert pool.run(_job("def f(n): return list(range(n))")).passed


def _huge_job(code: str, expected=None, digest=None) -> Job:
    # 300,000 pairs: with a 1 MiB output limit, long enough to be compared by streamed digest, not encoded whole.
    tests = CallTests("f", [[300_000]], expected, expected_digest=digest)
    return Job(code, tests, limits=Limits(max_output_mb=1))


def test_huge_outputs_are_compared_by_a_digest_of_their_value(pool):
    reference = pool.run(_huge_job("def f(n): return [('ab', 1)] * n"))
    (recorded,) = reference.tests
    assert recorded.digest is not None and recorded.raw is None
    expected, digest = [recorded.output], [recorded.digest]
    rebuilt = "def f(n): return [(''.join(['a', 'b']), int('1')) for _ in range(n)]"  # equal value, no sharing
    assert pool.run(_huge_job(rebuilt, expected, digest)).passed
    wrong = pool.run(_huge_job("def f(n): return [('ab', 1)] * (n - 1) + [('ab', 2)]", expected, digest))
    assert wrong.tests[0].status is Status.FAIL and "compared by digest" in wrong.tests[0].detail


def test_a_probe_is_queued_before_the_tasks_it_gates():
    from recode.sandbox.plan import plan_job
    from recode.sandbox.pool import _Batch

    slow = Job("def f(x): return x", CallTests("f", [[i] for i in range(40)], list(range(40)),
                                               reference_times=[0.1] * 40))
    quick = [Job("def f(x): return x", CallTests("f", [[1]], [1], reference_times=[0.01])) for _ in range(3)]
    jobs = [*quick, slow]
    tasks = [t for i, job in enumerate(jobs) for t in plan_job(i, job, target_s=0.5)]
    queue = _Batch(jobs, tasks, None).queue
    assert queue[0].job_index == 3 and len(queue[0].indices) == 1  # the probe first, not last by its estimate
    assert [t.job_index for t in queue[-3:]] == [0, 1, 2]


def _job_from_disk(code: str, folder) -> Job:
    """`_job`, with the large expected encoding kept in `folder` under its SHA-256, as the ground-truth cache
    keeps it."""
    job = _job(code)
    raw = job.tests.expected_raw[0]
    digest = codec.digest(raw)
    (folder / digest[0].hex()).write_bytes(raw)
    job.tests.expected_raw[0] = None
    job.tests.expected_digest, job.tests.expected_dir = [digest, None], str(folder)
    return job


def test_expected_encodings_kept_on_disk_are_read_on_a_mismatch(pool, tmp_path):
    assert pool.run(_job_from_disk("def f(n): return list(range(n))", tmp_path)).passed
    assert pool.run(_job_from_disk("def f(n): return [float(x) for x in range(n)]", tmp_path)).passed
    wrong = pool.run(_job_from_disk("def f(n): return list(range(1, n + 1))", tmp_path))
    assert wrong.tests[0].status is Status.FAIL and wrong.tests[0].detail.startswith("expected [0, 1, 2")


def test_a_missing_expected_encoding_is_an_error_naming_the_folder(pool, tmp_path):
    job = _job_from_disk("def f(n): return list(range(1, n + 1))", tmp_path)
    for blob in tmp_path.iterdir():
        blob.unlink()
    with pytest.raises(SandboxError, match="missing from " + str(tmp_path)):
        pool.run(job)
    assert pool.run(_job("def f(n): return list(range(n))")).passed


def test_fetches_while_the_next_task_waits_in_the_pipe():
    # One worker: every task but the first is sent while the one before it runs, so the worker reads it before
    # the answer to its request for an expected encoding, and must keep it for later.
    codes = ["def f(n): return list(range(1, n + 1))", "def f(n): return [float(x) for x in range(n)]",
             "def f(n): return list(range(n))"] * 2
    with SandboxPool(workers=1) as one:
        results = one.run_batch([_job(code) for code in codes])
    assert [r.passed for r in results] == [False, True, True] * 2
    assert results[0].tests[0].detail.startswith("expected [0, 1, 2")


def test_paused_gc_restores_the_collector():
    import gc

    from recode.sandbox.pool import paused_gc

    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_leaves_cycles_to_the_collector_and_frozen_objects_frozen():
    import gc
    import weakref

    from recode.sandbox.pool import paused_gc

    class Node:
        pass

    frozen_before = gc.get_freeze_count()
    with paused_gc():
        node = Node()
        node.self = node
        alive = weakref.ref(node)
        del node
    assert alive() is not None  # a cycle: only the collector frees it
    gc.collect()
    assert alive() is None
    assert gc.get_freeze_count() == frozen_before

    gc.freeze()  # what a caller might do before forking: its frozen objects must stay frozen
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_an_error_in_the_callers_callback_ends_the_batch_and_the_pool_stays_usable():
    jobs = [Job("def f(x): return x", CallTests("f", [[k]], [k])) for k in range(6)]

    def explode(i: int) -> None:
        raise KeyError(f"bad bookkeeping for job {i}")

    with SandboxPool(workers=2) as two:
        with pytest.raises(SandboxError, match="bad bookkeeping"):
            two.run_batch(jobs, on_job_done=explode)
        assert all(r.passed for r in two.run_batch(jobs))
        assert {r.isolation for r in two.run_batch(jobs)} == {two.level}
