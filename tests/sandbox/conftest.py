"""Shared sandbox pools: started once per test module, because a warm pool is what production uses too."""

from __future__ import annotations

import pytest

from recode.sandbox import SandboxPool


@pytest.fixture(scope="module")
def pool():
    """The strongest isolation this machine offers (bwrap+uid when bwrap is installed and we are root).

    Overrides the session pool of tests/conftest.py: hostile programs get a pool of their own, so a sandbox
    bug they trigger cannot spill into other test files' results.
    """
    with SandboxPool(workers=2) as p:
        yield p


@pytest.fixture(scope="module")
def rlimits_pool():
    """The weakest level: resource limits and process cleanup only, no namespaces, no uid of its own."""
    with SandboxPool(workers=2, isolation="rlimits") as p:
        yield p
