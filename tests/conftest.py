"""Shared fixtures: one sandbox pool per test session (workers are warm processes; start them once), and tiny
random models built once per session."""

import pytest

from recode.sandbox import SandboxPool


@pytest.fixture(scope="session")
def pool():
    with SandboxPool(workers=2) as p:
        yield p


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> str:
    """Folder of a tiny random causal Llama with a ChatML chat template."""
    from tests.tiny_models import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-lm"), "causal")


@pytest.fixture(scope="session")
def tiny_rm(tmp_path_factory) -> str:
    """Folder of a tiny random one-label sequence-classification Llama (a reward model)."""
    from tests.tiny_models import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-rm"), "seqcls")
