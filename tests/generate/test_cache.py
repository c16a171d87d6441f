"""Resumable generation: a rerun reuses the cache, a killed run continues, any change of key regenerates."""

import json

import pytest

from recode.generate import GenerationError, Generator, SamplingConfig
from recode.generate.cache import generate_cached
from recode.io import DataError


class Counting(Generator):
    """Deterministic fake completions; counts what it is asked for; can fail after some prompts."""

    name = "counting"

    def __init__(self, fail_after: int | None = None):
        super().__init__("fake")
        self.asked: list[str] = []
        self.fail_after = fail_after

    def _generate(self, chats, sampling, on_progress):
        out = []
        for c in chats:
            if self.fail_after is not None and len(self.asked) >= self.fail_after:
                raise RuntimeError("killed")
            self.asked.append(c[-1]["content"])
            out.append([f"{c[-1]['content']}|{len(self.asked)}|{j}" for j in range(sampling.n)])
        return out


def chats(k):
    return [f"k{i}" for i in range(k)], [[{"role": "user", "content": "p" * (i + 1)}] for i in range(k)]


def test_rerun_generates_nothing(tmp_path):
    keys, prompts = chats(5)
    path = tmp_path / "cache.jsonl"
    gen = Counting()
    counts = {}
    first = generate_cached(gen, keys, prompts, SamplingConfig(n=2, temperature=1.0), path, chunk_size=2,
                            counts=counts)
    assert counts == {"cached": 0, "generated": 10} and len(gen.asked) == 5
    assert [len(o) for o in first] == [2] * 5 and first[3][0].startswith("pppp|")
    again = Counting()
    progress = []
    assert generate_cached(again, keys, prompts, SamplingConfig(n=2, temperature=1.0), path,
                           on_progress=lambda d, t: progress.append((d, t)), counts=counts) == first
    assert again.asked == [] and counts == {"cached": 10, "generated": 0} and progress == [(5, 5)]
    assert len(path.read_text().splitlines()) == 10


def test_killed_run_continues(tmp_path):
    keys, prompts = chats(6)
    path = tmp_path / "cache.jsonl"
    with pytest.raises(RuntimeError, match="killed"):
        generate_cached(Counting(fail_after=2), keys, prompts, SamplingConfig(), path, chunk_size=2)
    assert len(path.read_text().splitlines()) == 2  # the first chunk was saved
    with open(path, "a") as f:
        f.write('{"model": "fake", "key": "k0", "sam')  # a write cut off by the kill
    gen = Counting()
    outs = generate_cached(gen, keys, prompts, SamplingConfig(), path, chunk_size=2)
    assert len(gen.asked) == 4 and all(len(o) == 1 for o in outs)
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_more_samples_and_changes_regenerate_only_what_changed(tmp_path):
    keys, prompts = chats(3)
    path = tmp_path / "cache.jsonl"
    sampling = SamplingConfig(n=1, temperature=0.7)
    one = generate_cached(Counting(), keys, prompts, sampling, path)
    gen = Counting()
    three = generate_cached(gen, keys, prompts, SamplingConfig(n=3, temperature=0.7), path)
    assert [o[0] for o in three] == [o[0] for o in one] and len(gen.asked) == 3  # samples 1 and 2 only
    for change in [SamplingConfig(n=1, temperature=0.7, max_new_tokens=5), SamplingConfig(n=1, temperature=0.9)]:
        gen = Counting()
        generate_cached(gen, keys, prompts, change, path)
        assert len(gen.asked) == 3
    gen = Counting()
    generate_cached(gen, keys, prompts[:2] + [[{"role": "user", "content": "new"}]], sampling, path)
    assert gen.asked == ["new"]
    gen = Counting()
    generate_cached(gen, keys, prompts, sampling, path, model="other-model")
    assert len(gen.asked) == 3


def test_bad_input(tmp_path):
    keys, prompts = chats(2)
    with pytest.raises(GenerationError, match="duplicate prompt key 'k0'"):
        generate_cached(Counting(), ["k0", "k0"], prompts, SamplingConfig(), tmp_path / "c.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"x": 1}\n')
    with pytest.raises(DataError, match="bad.jsonl:1"):
        generate_cached(Counting(), keys, prompts, SamplingConfig(), bad)
