"""Shared fixtures: one sandbox pool per test session (workers are warm processes; start them once)."""

import pytest

from recode.sandbox import SandboxPool


@pytest.fixture(scope="session")
def pool():
    with SandboxPool(workers=2) as p:
        yield p
