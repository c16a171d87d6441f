"""Configuration of `recode rmbench build`: one dataclass, loadable from YAML, overridable with `key=value`.

Unknown keys and wrongly typed values raise `ConfigError` naming the key (`recode.config.StageConfig`, shared by
every stage): `BuildConfig.load(path, overrides=["n_samples=8", "modes=pass_fail,pass_rate"])`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from recode.config import ConfigError, StageConfig

PAIR_MODES = ("pass_fail", "pass_rate", "exec_tier", "judge_both_pass", "judge_same_outcome")
JUDGED_MODES = ("judge_both_pass", "judge_same_outcome")  # the judge decides which side is chosen
SCREEN_MODES = ("off", "confirm")
PROBLEM_ORDERS = ("easiest", "given", "newest")
REASONING_SOURCES = ("think", "think_or_prose")
PREFILLS = ("none", "starter_code")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class BuildConfig(StageConfig):
    # -- benchmark identity (goes into the header of the final file)
    name: str = "lcb-rb"
    version: str = "v1"
    # -- problems: a task source or task JSONL (recode.tasks.load_tasks), filtered by date and difficulty
    tasks: str = "leetcode-test"
    date_from: str | None = None  # YYYY-MM-DD, inclusive: problems released on or after (LiveCodeBench windows)
    date_to: str | None = None  # YYYY-MM-DD, inclusive
    difficulties: list[str] = field(default_factory=list)  # e.g. [Easy]; empty = all
    max_problems: int = 0  # 0 = every problem left after filtering
    problem_order: str = "easiest"  # easiest (Easy first, then by date) | given | newest
    # -- generator: n reasoning+solution samples per problem (a recode.generate backend)
    generator_backend: str = "hf"  # hf | vllm | openai
    generator: str = "smollm2"  # model name, Hub id or local folder
    generator_base_url: str | None = None  # openai backend: the endpoint
    generator_api_key_env: str = "OPENAI_API_KEY"  # openai backend: environment variable holding the key
    device: str = "auto"
    threads: int = 0  # torch CPU threads (0 = torch's default); on an oversubscribed CPU, 1 was 4x faster here
    batch_size: int = 16
    n_samples: int = 16
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 512
    seed: int = 0
    # Where a sample's reasoning comes from: `think` (the <think> block only), or `think_or_prose` (without a
    # complete <think> block, the completion's prose outside code blocks: small models explain around the code).
    reasoning_source: str = "think_or_prose"
    # `starter_code`: the reply is started for the model with the problem's starter code in a python block
    # (hf/vllm backends continue it), so a small model writes a method body instead of an unrelated function;
    # the prefix is part of the sample when it is parsed and run. `none`: the model writes the whole reply.
    prefill: str = "none"
    # -- forming pairs from executed samples
    modes: list[str] = field(default_factory=lambda: ["pass_fail", "pass_rate"])
    min_pass_rate_gap: float = 0.25  # pass_rate mode: the chosen side passes at least this much more of the tests
    min_reasoning_words: int = 8  # both reasonings at least this long
    require_code: bool = True  # both sides contain code that ran (a missing answer is too easy a loser)
    max_pairs_per_problem: int = 4
    max_sample_uses: int = 1  # how many pairs of one problem a sample may appear in
    max_length_ratio: float = 3.0  # drop pairs whose longer reasoning has more than this times the words; 0 = off
    length_balance: bool = True  # make "chosen is longer" as frequent as "chosen is shorter"
    length_balance_tolerance: float = 0.1  # allowed |longer - shorter| / pairs after balancing
    # -- LLM judge: screening (confirm the chosen side) and orienting judged modes
    screen: str = "off"  # off | confirm
    screen_min_outcome: float = 1.0  # confirm: keep pairs whose judge outcome is at least this (1 = both orders)
    judge_backend: str = "openai"
    judge_model: str | None = None
    judge_base_url: str | None = None
    judge_api_key_env: str = "OPENAI_API_KEY"
    judge_max_new_tokens: int = 512
    # -- execution
    sandbox_workers: int = 0  # 0 = one per core
    isolation: str = "auto"

    def validate(self) -> None:
        bad = [m for m in self.modes if m not in PAIR_MODES]
        if bad or not self.modes:
            raise ConfigError(f"modes: {bad or '[]'} not valid; choose from {', '.join(PAIR_MODES)}")
        if self.screen not in SCREEN_MODES:
            raise ConfigError(f"screen: {self.screen!r} is not one of {', '.join(SCREEN_MODES)}")
        if self.reasoning_source not in REASONING_SOURCES:
            raise ConfigError(f"reasoning_source: {self.reasoning_source!r} is not one of {', '.join(REASONING_SOURCES)}")
        if self.prefill not in PREFILLS:
            raise ConfigError(f"prefill: {self.prefill!r} is not one of {', '.join(PREFILLS)}")
        if self.problem_order not in PROBLEM_ORDERS:
            raise ConfigError(f"problem_order: {self.problem_order!r} is not one of {', '.join(PROBLEM_ORDERS)}")
        if (self.screen != "off" or any(m in JUDGED_MODES for m in self.modes)) and not self.judge_model:
            raise ConfigError("judge_model: screening and the judge_* pairing modes need a judge model")
        for key in ("date_from", "date_to"):
            value = getattr(self, key)
            if value is not None and not _DATE.match(str(value)):
                raise ConfigError(f"{key}: {value!r} is not a YYYY-MM-DD date")
        for key in ("n_samples", "batch_size", "max_new_tokens", "max_pairs_per_problem", "max_sample_uses",
                    "judge_max_new_tokens"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: must be at least 1")
        if not 0.5 < self.screen_min_outcome <= 1:
            raise ConfigError("screen_min_outcome: must lie in (0.5, 1] (1 = the judge prefers it in both orders)")
        if not 0 < self.min_pass_rate_gap <= 1:
            raise ConfigError("min_pass_rate_gap: must lie in (0, 1]")
        if self.max_length_ratio and self.max_length_ratio < 1:
            raise ConfigError("max_length_ratio: must be 0 (off) or at least 1")


__all__ = ["BuildConfig", "ConfigError"]
