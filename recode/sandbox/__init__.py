"""Run untrusted Python against tests, fast, and without being fooled.

    from recode.sandbox import SandboxPool, Job, CallTests
    with SandboxPool(workers=2) as pool:
        [result] = pool.run_batch([Job(code="def f(x): return x + 1", tests=CallTests("f", [[1]], [2]))])
        assert result.passed
"""

from recode.sandbox.pool import SandboxError, SandboxPool, choose_isolation
from recode.sandbox.types import AssertTests, CallTests, Job, JobResult, Limits, Status, StdioTests, TestVerdict

__all__ = ["AssertTests", "CallTests", "Job", "JobResult", "Limits", "SandboxError", "SandboxPool", "Status",
           "StdioTests", "TestVerdict", "choose_isolation"]
