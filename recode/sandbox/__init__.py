"""Run untrusted Python against tests, fast, and without being fooled.

    from recode.sandbox import SandboxPool, Job, CallTests
    with SandboxPool(workers=2) as pool:
        [result] = pool.run_batch([Job(code="def f(x): return x + 1", tests=CallTests("f", [[1]], [2]))])
        assert result.passed
"""

from recode.sandbox.types import AssertTests, CallTests, Job, JobResult, Limits, Status, StdioTests, TestVerdict

__all__ = ["AssertTests", "CallTests", "Job", "JobResult", "Limits", "SandboxError", "SandboxPool", "Status",
           "StdioTests", "TestVerdict", "choose_isolation"]

_FROM_POOL = ("SandboxError", "SandboxPool", "choose_isolation")


def __getattr__(name: str):
    # The pool (and with it subprocess and threading) is imported on first use, not by the fork server, which
    # imports this package too: threading's after-fork handler alone cost each forked program ~100 page copies.
    if name in _FROM_POOL:
        from recode.sandbox import pool

        return getattr(pool, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
