"""The `Example:` blocks in the docstrings of the reward's pure functions run as tests, so they cannot rot."""

import doctest
import importlib

import pytest

MODULES = ["recode.text", "recode.task_sources", "recode.reward.parts", "recode.reward.scorers",
           "recode.reward.rm_input"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
