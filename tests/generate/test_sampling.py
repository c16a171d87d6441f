"""The backend-independent parts: sampling configs, prompt validation, stop strings, the registry."""

import pytest

from recode.generate import BACKENDS, GenerationError, Generator, SamplingConfig, apply_stop, make_generator
from recode.generate.base import check_prompts


def test_sampling_validation_names_the_field():
    for field, bad in [("n", 0), ("temperature", -1), ("top_p", 0), ("max_new_tokens", 0), ("stop", "x")]:
        with pytest.raises(ValueError, match=f"sampling.{field}"):
            SamplingConfig(**{field: bad})


def test_key_ignores_what_greedy_ignores_and_n():
    assert SamplingConfig().key() == SamplingConfig(seed=3, top_p=0.5, n=4).key()
    assert SamplingConfig(temperature=0.8).key() != SamplingConfig(temperature=0.8, seed=1).key()
    assert SamplingConfig().key() != SamplingConfig(max_new_tokens=7).key()
    assert SamplingConfig().key() != SamplingConfig(stop=["\n"]).key()


def test_check_prompts_names_the_bad_message():
    ok = [{"role": "user", "content": "hi", "extra": 1}]
    assert check_prompts([ok]) == [[{"role": "user", "content": "hi"}]]
    with pytest.raises(GenerationError, match="prompt 1 message 0"):
        check_prompts([ok, [{"role": "bot", "content": "x"}]])
    with pytest.raises(GenerationError, match="prompt 0"):
        check_prompts([[]])
    with pytest.raises(GenerationError, match="list of chats"):
        check_prompts("hello")


def test_apply_stop_cuts_at_the_earliest():
    assert apply_stop("abc<end>def</s>", ["</s>", "<end>"]) == "abc"
    assert apply_stop("abc", ["x"]) == "abc"
    assert apply_stop("abc", []) == "abc"


class Echo(Generator):
    name = "echo"

    def _generate(self, chats, sampling, on_progress):
        return [[c[-1]["content"]] * (sampling.n if c[-1]["content"] != "short" else 1) for c in chats]


def test_generate_checks_the_backend_answer_shape():
    gen = Echo("m")
    assert gen.generate([[{"role": "user", "content": "a"}]], SamplingConfig(n=2)) == [["a", "a"]]
    assert gen.stats.completions == 2
    with pytest.raises(GenerationError, match="returned"):
        gen.generate([[{"role": "user", "content": "short"}]], SamplingConfig(n=2))
    assert gen.generate([]) == []


def test_registry_and_unknown_backend():
    assert "hf" in BACKENDS
    with pytest.raises(GenerationError, match="unknown generation backend 'nope'.*hf"):
        make_generator("nope", "m")


def test_docstring_examples():
    import doctest

    import recode.generate.base

    result = doctest.testmod(recode.generate.base)
    assert result.attempted > 0 and result.failed == 0
