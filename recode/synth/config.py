"""Configuration of `recode synth`: one flat dataclass, loadable from YAML, where every key exists in the code.

    tasks: [mbpp-train]
    backend: openai
    model: Qwen/Qwen2.5-Coder-32B-Instruct
    generator_options: {base_url: http://localhost:8000/v1, concurrency: 32}
    seed_mode: free
    dimensions: [factual_accuracy, logical_rigor, logical_coherence]

`SynthConfig.load(path, overrides=["seed_samples=8", "dimensions=[logical_rigor]"])` applies `key=value`
overrides (YAML values). Unknown keys and wrongly typed values raise `ConfigError` naming the key.
Loading is `recode.config.StageConfig`, shared by every stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recode.config import ConfigError, StageConfig

SEED_MODES = ("free", "reference", "free+reference")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


@dataclass
class SynthConfig(StageConfig):
    # -- problems (recode.tasks.load_tasks specs: mbpp-train, leetcode-train, gsm8k-train, or a task JSONL)
    tasks: list[str] = field(default_factory=lambda: ["mbpp-train"])
    limit: int | None = None  # first N tasks of each spec
    max_problem_words: int | None = None  # skip longer problems (small generators cope only with short ones)
    max_problems: int | None = None  # at most this many problems in all, taken evenly from each spec
    # -- the generator: any backend of recode.generate (hf | vllm | openai)
    backend: str = "hf"
    model: str = "smollm2"  # Hub id, local folder, smollm2, or the served model name (openai)
    generator_options: dict[str, Any] = field(default_factory=dict)  # to make_generator: base_url, batch_size...
    prompt_price_per_mtok: float = 0.0  # cost tally: price of 1M prompt tokens (openai backend reports usage)
    completion_price_per_mtok: float = 0.0
    # -- seeds: sampled reasoning + code, kept only when the code passes the tests (math: the answer verifies)
    seed_mode: str = "free"  # free | reference (reasoning written for the known solution) | free+reference
    seed_samples: int = 4  # samples per problem in free mode
    seed_samples_short: int | None = None  # samples for problems of at most short_problem_words (None: same)
    short_problem_words: int = 40
    seed_temperature: float = 0.7
    seed_max_new_tokens: int = 512
    seeds_per_problem: int = 1  # passing samples kept per problem (distinct reasonings)
    min_reasoning_words: int = 15  # shorter reasonings are no seeds (nothing to rewrite)
    # -- variants
    dimensions: list[str] = field(default_factory=lambda: ["factual_accuracy", "logical_rigor", "logical_coherence"])
    llm_variants: bool = True  # ask the generator for optimized and degraded rewrites
    variant_samples: int = 2  # rewrites sampled per (seed, dimension, direction); the first that passes QC is kept
    variant_temperature: float = 0.7
    variant_max_new_tokens: int = 512
    rule_degraders: list[str] = field(default_factory=lambda: ["drop_step", "swap_steps", "contradict_claim",
                                                               "wrong_complexity", "wrong_edge_case"])
    # -- quality controls (recode/synth/quality.py)
    min_length_ratio: float = 0.6  # variant words / original words must lie in [min, max]
    max_length_ratio: float = 1.6
    min_changed_words: int = 1  # fewer changed words than this (vs the original or a sibling): a near-duplicate
    min_anchor_overlap: float = 0.5  # share of the original's problem anchors a variant must keep
    judge: bool = False  # also ask the generator whether each degraded rewrite is worse (yes/no)
    # -- pairs
    pair_types: list[str] = field(default_factory=lambda: ["opt>orig", "orig>deg", "opt>deg"])
    val_fraction: float = 0.2  # share of problems (not pairs) held out, by a hash of the task id
    length_balance: bool = False  # subsample so that within each pair type the chosen side is longer half the time
    seed: int = 0

    def validate(self) -> None:
        from recode.synth.degrade import RULES
        from recode.synth.pairs import PAIR_TYPES
        from recode.synth.prompts import DIMENSIONS

        _check(self.seed_mode in SEED_MODES, f"seed_mode: {self.seed_mode!r} is not one of {', '.join(SEED_MODES)}")
        unknown = [d for d in self.dimensions if d not in DIMENSIONS]
        _check(not unknown, f"dimensions: unknown {unknown}; known: {', '.join(DIMENSIONS)}")
        unknown = [r for r in self.rule_degraders if r not in RULES]
        _check(not unknown, f"rule_degraders: unknown {unknown}; known: {', '.join(RULES)}")
        unknown = [p for p in self.pair_types if p not in PAIR_TYPES]
        _check(not unknown, f"pair_types: unknown {unknown}; known: {', '.join(PAIR_TYPES)}")
        _check(bool(self.tasks), "tasks: give at least one task source or file")
        for key in ("seed_samples", "seeds_per_problem", "variant_samples", "seed_max_new_tokens",
                    "variant_max_new_tokens"):
            _check(getattr(self, key) >= 1, f"{key}: must be at least 1")
        _check(0 < self.min_length_ratio <= 1 <= self.max_length_ratio,
               "min_length_ratio/max_length_ratio: need 0 < min <= 1 <= max")
        _check(self.min_changed_words >= 1, "min_changed_words: must be at least 1")
        _check(0 <= self.min_anchor_overlap <= 1, "min_anchor_overlap: must lie in [0, 1]")
        _check(0 <= self.val_fraction < 1, "val_fraction: must lie in [0, 1)")

    def samples_for(self, problem_words: int) -> int:
        if self.seed_samples_short and problem_words <= self.short_problem_words:
            return self.seed_samples_short
        return self.seed_samples
