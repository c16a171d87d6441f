"""The `Example:` blocks of recode.train's pure helpers run as tests."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["recode.train.trainer", "recode.train.callbacks", "recode.train.plot"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
