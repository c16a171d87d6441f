"""SynthConfig: YAML + overrides, every key checked."""

from pathlib import Path

import pytest

from recode.reward.config import ConfigError
from recode.synth.config import SynthConfig

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_and_overrides():
    cfg = SynthConfig.load(None, ["seed_samples=8", "dimensions=[logical_rigor]", "generator_options={concurrency: 4}"])
    assert cfg.seed_samples == 8 and cfg.dimensions == ["logical_rigor"]
    assert cfg.generator_options == {"concurrency": 4}


@pytest.mark.parametrize("override, message", [
    ("seed_sampels=3", "unknown key"),
    ("dimensions=[clarity]", "dimensions: unknown"),
    ("rule_degraders=[shuffle]", "rule_degraders: unknown"),
    ("seed_mode=magic", "seed_mode"),
    ("min_length_ratio=1.5", "min_length_ratio"),
    ("seed_samples=two", "seed_samples must be int"),
    ("pair_types=[a>b]", "pair_types: unknown"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        SynthConfig.load(None, [override])


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "synth").glob("*.yaml")))
def test_shipped_configs_load(path):
    SynthConfig.load(path)


def test_samples_for_short_problems():
    cfg = SynthConfig(seed_samples=4, seed_samples_short=16, short_problem_words=30)
    assert cfg.samples_for(20) == 16 and cfg.samples_for(31) == 4
