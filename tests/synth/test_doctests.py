"""The `Example:` blocks in the docstrings of synth's pure functions run as tests."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["recode.synth.degrade", "recode.synth.quality", "recode.synth.seeds"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
