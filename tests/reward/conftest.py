"""Fixtures for the reward tests: a few real tasks, and a tiny random reward model (see tests/tiny_models.py)."""

from __future__ import annotations

import pytest
from tests.tiny_models import build_model, build_tokenizer

from recode.tasks import load_tasks


@pytest.fixture(scope="session")
def tiny_rm_dir(tmp_path_factory):
    """A saved tiny reward model (with a chat template), loadable like any local checkpoint."""
    pytest.importorskip("transformers")
    path = tmp_path_factory.mktemp("tiny-rm")
    tokenizer = build_tokenizer()
    build_model(tokenizer, "rm").save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def mbpp_tasks():
    return load_tasks("mbpp-train", limit=6)


@pytest.fixture(scope="session")
def gsm8k_tasks():
    return load_tasks("gsm8k-train", limit=3)
