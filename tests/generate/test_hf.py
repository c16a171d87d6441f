"""The HF backend on a tiny random model: order, shapes, batching, greedy determinism, stop strings."""

import pytest

from recode.generate import GenerationError, SamplingConfig, make_generator

CHATS = [[{"role": "user", "content": "def add(a, b):"}],
         [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "x"}],
         [{"role": "user", "content": "Write a function to find the shared elements from the given two lists."}]]


@pytest.fixture(scope="module")
def gen(tiny_lm):
    with make_generator("hf", tiny_lm, device="cpu", batch_size=2) as g:
        yield g


def test_greedy_is_batch_independent_and_in_order(gen, tiny_lm):
    sampling = SamplingConfig(max_new_tokens=8)
    seen = []
    outs = gen.generate(CHATS, sampling, on_progress=lambda d, t: seen.append((d, t)))
    assert len(outs) == 3 and all(len(o) == 1 and isinstance(o[0], str) for o in outs)
    assert seen[-1] == (3, 3) and (2, 3) in seen  # two batches of at most 2 prompts (and steps within them)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    alone = [gen.generate([c], sampling)[0] for c in CHATS]
    assert alone == outs  # left padding and sorting do not change greedy outputs or their order
    with make_generator("hf", tiny_lm, device="cpu", batch_size=8) as big:
        assert big.generate(CHATS, sampling) == outs


def test_n_samples_seeded(gen):
    sampling = SamplingConfig(n=3, temperature=1.0, max_new_tokens=6, seed=5)
    a = gen.generate(CHATS[:2], sampling)
    assert [len(o) for o in a] == [3, 3]
    assert gen.generate(CHATS[:2], sampling) == a
    assert len(set(a[0])) > 1  # a random tiny model samples different texts
    greedy = gen.generate(CHATS[:1], SamplingConfig(n=2, max_new_tokens=6))[0]
    assert greedy[0] == greedy[1]


def test_stop_strings_cut_the_text(gen):
    full = gen.generate(CHATS[:1], SamplingConfig(max_new_tokens=24))[0][0]
    assert len(full) > 4
    stop = full[2:4]
    cut = gen.generate(CHATS[:1], SamplingConfig(max_new_tokens=24, stop=[stop]))[0][0]
    assert cut == full[:full.find(stop)]


def test_stats_and_render(gen):
    before = gen.stats.completion_tokens
    gen.generate(CHATS[:1], SamplingConfig(max_new_tokens=5))
    assert 1 <= gen.stats.completion_tokens - before <= 5
    assert gen.render(CHATS[0]).endswith("<|im_start|>assistant\n")
    prefill = CHATS[0] + [{"role": "assistant", "content": "```python"}]
    assert gen.render(prefill).rstrip().endswith("```python")


def test_unknown_model_is_a_generation_error(tmp_path):
    with pytest.raises(GenerationError, match="cannot load"):
        make_generator("hf", str(tmp_path), device="cpu")


def test_static_cache_gives_the_same_greedy_text(gen, tiny_lm):
    sampling = SamplingConfig(max_new_tokens=6)
    with make_generator("hf", tiny_lm, device="cpu", batch_size=2, static_cache=True) as static:
        assert static.generate(CHATS, sampling) == gen.generate(CHATS, sampling)  # incl. a padded last batch
