"""Configuration of `recode rm train`: one flat dataclass, loadable from YAML, where every key exists in the code.

    model: Qwen/Qwen2.5-Coder-7B-Instruct
    train_pairs: runs/synth/pairs.train.jsonl
    val_pairs: runs/synth/pairs.val.jsonl
    lora: true
    learning_rate: 1.0e-4

`RMTrainConfig.load(path, overrides=["num_train_epochs=2", "trl={warmup_steps: 10}"])`; unknown keys raise
`ConfigError`. `trl` passes any other field of TRL's RewardConfig (checked against it at training time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recode.config import ConfigError, StageConfig

# RewardConfig fields this config sets itself: passing them under `trl:` would be ambiguous.
OWNED_TRL_KEYS = {"output_dir", "learning_rate", "num_train_epochs", "max_steps", "per_device_train_batch_size",
                  "gradient_accumulation_steps", "max_length", "seed", "bf16", "use_cpu", "report_to",
                  "logging_steps", "save_strategy", "center_rewards_coefficient", "gradient_checkpointing",
                  "warmup_steps", "lr_scheduler_type", "weight_decay", "per_device_eval_batch_size"}


@dataclass
class RMTrainConfig(StageConfig):
    # -- data: pair files written by `recode synth pairs` (prompt, chosen, rejected + metadata)
    train_pairs: str = "runs/synth/pairs.train.jsonl"
    val_pairs: str | None = "runs/synth/pairs.val.jsonl"  # held-out pairs: accuracy per pair type and dimension
    output_dir: str = "runs/rm"  # model/ (the RM, loadable by the reward's hf scorer), rm_card.json, eval.json
    # -- model: any causal LM; a 1-label sequence-classification head is added
    model: str = "smollm2"  # Hub id, local folder, or smollm2 (the embedded SmolLM2-135M-Instruct)
    dtype: str = "auto"  # weights while training: auto = float32 (bf16 compute on GPU via `bf16`) | bfloat16
    lora: bool = True  # train a LoRA adapter (plus the new head) instead of the full model
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str = "all-linear"  # peft target_modules: all-linear, or comma-separated module names
    lora_layers: int | None = None  # adapt only the last N transformer layers (no backward pass below them: faster)
    merge_lora: bool = True  # save the merged model, so every loader (the reward's hf scorer, vLLM) reads it
    # -- Bradley-Terry training (TRL RewardTrainer): loss = -log sigmoid(s(chosen) - s(rejected))
    max_length: int = 1024  # tokens per (problem, reasoning) input; longer inputs lose their start, as in scoring
    learning_rate: float = 1e-4
    num_train_epochs: float = 1.0
    max_steps: int = -1  # > 0: stop after this many optimizer steps
    per_device_train_batch_size: int = 8  # pairs per device per micro-batch
    gradient_accumulation_steps: int = 1
    warmup_steps: float = 0.0  # an integer: steps; a float in [0, 1): a share of the total steps
    lr_scheduler_type: str = "linear"
    weight_decay: float = 0.0
    center_rewards_coefficient: float | None = None  # e.g. 0.01: keeps scores near 0 (then sigmoid(score) is usable)
    gradient_checkpointing: bool = False
    bf16: bool | None = None  # None: on when CUDA is available
    logging_steps: int = 5
    seed: int = 0
    trl: dict[str, Any] = field(default_factory=dict)  # any other field of trl.RewardConfig
    # -- evaluation (scored through the reward's HFScorer, i.e. exactly as the reward will score)
    eval_batch_size: int = 16
    eval_base: bool = False  # also score the held-out pairs with the untrained model (random head) for reference

    def validate(self) -> None:
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ConfigError(f"dtype: {self.dtype!r} is not one of auto, float32, bfloat16, float16")
        for key in ("max_length", "per_device_train_batch_size", "gradient_accumulation_steps", "lora_r",
                    "eval_batch_size", "logging_steps"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: must be at least 1")
        if self.lora_layers is not None and self.lora_layers < 1:
            raise ConfigError("lora_layers: must be at least 1 (or null for all layers)")
        if self.learning_rate <= 0 or self.num_train_epochs <= 0:
            raise ConfigError("learning_rate and num_train_epochs: must be positive")
        owned = sorted(set(self.trl) & OWNED_TRL_KEYS)
        if owned:
            raise ConfigError(f"trl: {', '.join(owned)} are set by top-level keys of this config; set them there")
