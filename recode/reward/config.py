"""The reward's configuration: one flat dataclass, loadable from YAML, where every key exists in the code.

    gate: hard                 # hard | none | pass_rate | outcome_only (see recode/reward/parts.py)
    proc_weight: 1.0
    scorer: hf
    rm_model: /models/recode-rm-7b
    proc_mapping: sigmoid

Unknown keys and wrongly typed values raise `ConfigError` naming the key, so a typo never silently falls back
to a default. `RewardConfig.load(path, overrides=["gate=none"])` applies `key=value` overrides (YAML values);
loading is `recode.config.StageConfig`, shared by every stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from recode.config import ConfigError, StageConfig
from recode.reward.parts import GATE_MODES

PROC_MAPPINGS = ("sigmoid", "rank", "minmax")
OVERLAP_MODES = ("auto", "always", "never")
SCORER_NAMES = ("hf", "remote", "constant", "length", "external")  # mirrors recode.reward.scorers.SCORERS


@dataclass
class RewardConfig(StageConfig):
    # -- the reward: R = R_fmt + R_out + proc_weight * gate * R_proc
    gate: str = "hard"  # hard | none | pass_rate | outcome_only
    proc_weight: float = 1.0  # eq. (1) of the paper has no weight; some notes mention 0.5
    gate_requires_format: bool = False  # also multiply the gate by R_fmt
    # -- parsing completions (recode/text.py)
    strict_extraction: bool = False  # code only from a complete <answer> block
    think_prefilled: bool = False  # the chat template already opened <think> in the prompt
    # -- process scorer: the reasoning reward model
    scorer: str | None = None  # hf | remote | constant | length | external; required unless outcome_only
    rm_model: str | None = None  # hf: local directory or Hub id of a sequence-classification model (1 label)
    rm_gguf_file: str | None = None  # hf: a GGUF file inside rm_model (transformers de-quantizes it)
    rm_device: str = "auto"  # hf: auto = cuda when available, else cpu
    rm_dtype: str = "auto"  # hf: auto = bfloat16 on GPU, float32 on CPU; or float32 | bfloat16 | float16
    rm_batch_size: int = 16  # hf: sequences per forward pass (sorted by length to limit padding)
    rm_max_length: int = 4096  # hf: tokens; longer inputs lose their beginning (the pooled last token stays)
    rm_url: str | None = None  # remote: base URL of a `recode reward serve` that has a scorer (POST /score)
    rm_timeout_s: float = 300.0  # remote: per request
    constant_value: float = 0.5  # constant: R_proc of every scored rollout, in [0, 1]
    length_target_words: int = 400  # length: R_proc = min(1, reasoning words / this)
    # -- mapping the scorer's output to R_proc in [0, 1]
    proc_mapping: str = "sigmoid"  # sigmoid((raw - offset) / temperature) | rank | minmax within a group
    proc_temperature: float = 1.0
    proc_offset: float = 0.0
    monitor_closed: float = 0.0  # fraction of gate-closed rollouts also scored, for logs only (never rewarded)
    # -- verifiers
    sandbox_workers: int = 0  # 0: one per core
    isolation: str = "auto"  # auto | bwrap+uid | uid | rlimits
    math_workers: int = 1  # processes running math-verify
    math_timeout_s: float = 10.0  # per check; a check that runs over is killed and scores R_out = 0
    # -- scheduling
    # Score gate-open rollouts while the sandbox still runs the rest: always | never | auto (= when the scorer
    # does not compete with the sandbox for the CPU: an RM on a GPU or behind a server).
    overlap: str = "auto"
    overlap_chunks: int = 4  # sandbox batches the rollouts are split into when overlapping

    def validate(self) -> None:
        if self.gate not in GATE_MODES:
            raise ConfigError(f"gate: {self.gate!r} is not one of {', '.join(GATE_MODES)}")
        if self.proc_mapping not in PROC_MAPPINGS:
            raise ConfigError(f"proc_mapping: {self.proc_mapping!r} is not one of {', '.join(PROC_MAPPINGS)}")
        if self.overlap not in OVERLAP_MODES:
            raise ConfigError(f"overlap: {self.overlap!r} is not one of {', '.join(OVERLAP_MODES)}")
        if self.scorer is not None and self.scorer not in SCORER_NAMES:
            raise ConfigError(f"scorer: {self.scorer!r} is not one of {', '.join(SCORER_NAMES)}")
        if self.scorer is None and self.gate != "outcome_only":
            raise ConfigError(f"scorer: gate {self.gate!r} needs a process scorer ({', '.join(SCORER_NAMES)}); "
                              "only gate: outcome_only runs without one")
        if self.scorer == "hf" and not self.rm_model:
            raise ConfigError("rm_model: scorer 'hf' needs a model directory or Hub id")
        if self.scorer == "remote" and not self.rm_url:
            raise ConfigError("rm_url: scorer 'remote' needs the URL of a scoring server")
        if not 0.0 <= self.constant_value <= 1.0:
            raise ConfigError("constant_value: must lie in [0, 1]")
        if not 0.0 <= self.monitor_closed <= 1.0:
            raise ConfigError("monitor_closed: must lie in [0, 1]")
        for key in ("proc_temperature", "math_timeout_s", "rm_timeout_s"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"{key}: must be positive")
        for key in ("rm_batch_size", "rm_max_length", "math_workers", "overlap_chunks", "length_target_words"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: must be at least 1")


__all__ = ["ConfigError", "RewardConfig"]
