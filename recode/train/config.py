"""The training configuration: one flat dataclass, loadable from YAML, where every key exists in the code.

    model: Qwen/Qwen2.5-Coder-7B-Instruct
    train_tasks: [mbpp-train, leetcode-train]
    reward_config: configs/reward/cg_grpo.yaml
    reward: {rm_model: /models/recode-rm-7b}     # overrides of the reward config's keys
    num_generations: 8
    beta: 0.0
    epsilon_high: 0.28

`TrainConfig.load(path, overrides=["max_steps=10", "reward.gate=none", "trl.warmup_ratio=0.1"])` applies
`key=value` overrides (YAML values); `reward.KEY` and `trl.KEY` set keys of the nested mappings. Unknown keys
and wrongly typed values raise `ConfigError` naming the key; `trl` keys are checked against TRL's GRPOConfig.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from recode.config import ConfigError, StageConfig
from recode.reward.config import RewardConfig

MONITOR_ACTIONS = ("warn", "stop")
RESUME_MODES = ("auto", "never")
VLLM_MODES = ("colocate", "server")
# GRPOConfig keys that TrainConfig sets itself: passing them under `trl:` would be ambiguous.
_OWNED_TRL_KEYS = {"output_dir", "max_steps", "learning_rate", "beta", "epsilon", "epsilon_high", "loss_type",
                   "num_generations", "temperature", "top_p", "max_completion_length", "per_device_train_batch_size",
                   "gradient_accumulation_steps", "save_steps", "eval_steps", "seed", "use_vllm", "vllm_mode",
                   "report_to", "logging_steps", "cache_implementation", "pad_to_multiple_of", "bf16"}


@dataclass
class TrainConfig(StageConfig):
    # -- run
    output_dir: str = "runs/train"  # the run directory: resolved config, logs, checkpoints, rollout samples
    resume: str = "auto"  # auto: continue from the run directory's last checkpoint, if any | never: start afresh
    seed: int = 0
    # -- policy
    model: str = "smollm2"  # Hub id, local folder, or smollm2 (the embedded SmolLM2-135M-Instruct)
    dtype: str = "auto"  # weights: auto = float32 (bf16 compute on GPU via bf16) | float32 | bfloat16 | float16
    lora: bool = False  # train a LoRA adapter instead of the full model (needs peft)
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str = "all-linear"  # peft target_modules: all-linear, or comma-separated module names
    gradient_checkpointing: bool = True
    # -- tasks (recode.tasks.load_tasks specs: mbpp-train, leetcode-train, kodcode-demo, or a JSONL path)
    train_tasks: list[str] = field(default_factory=lambda: ["mbpp-train"])
    train_limit: int | None = None  # first N tasks of each spec (smoke runs)
    eval_tasks: list[str] = field(default_factory=list)  # held-out tasks; empty: no evaluation
    eval_limit: int | None = None
    eval_steps: int = 0  # evaluate every N steps (0: never)
    num_generations_eval: int = 2
    # -- reward (recode.reward): a reward YAML plus overrides of its keys
    reward_config: str | None = "configs/reward/cg_grpo.yaml"
    reward: dict[str, Any] = field(default_factory=dict)
    # -- rollouts
    num_generations: int = 8  # group size G
    per_device_train_batch_size: int = 8  # completions per device per micro-batch
    gradient_accumulation_steps: int = 8  # prompts per step = per_device * devices * accumulation / G
    temperature: float = 1.0
    top_p: float = 1.0
    max_completion_length: int = 1024  # tokens of reasoning + answer
    use_vllm: str = "false"  # true | false | auto (= when vllm is installed and a GPU is present)
    vllm_mode: str = "colocate"  # colocate (shares the training GPUs) | server (`trl vllm-serve` elsewhere)
    vllm_server_base_url: str | None = None
    vllm_gpu_memory_utilization: float = 0.3
    fast_generation: bool = False  # HF generate on CUDA: static KV cache + compiled decoding (see docs/train.md)
    pad_to_multiple_of: int | None = None  # pad prompts to a multiple: fewer shapes to compile (fast_generation)
    # -- optimisation
    learning_rate: float = 1e-6
    beta: float = 0.0  # KL coefficient; 0 = no reference model (the paper replaces KL by clip-higher)
    epsilon: float = 0.2  # lower clip range
    epsilon_high: float | None = 0.28  # upper clip range (clip-higher, DAPO); null = epsilon
    loss_type: str = "dapo"  # TRL loss types: grpo, dr_grpo, dapo, bnpo, cispo, sapo, ...
    max_steps: int = 100
    save_steps: int = 50  # checkpoint every N steps
    save_total_limit: int | None = 3
    bf16: str = "auto"  # mixed precision: auto = on GPU only | true | false
    trl: dict[str, Any] = field(default_factory=dict)  # any other GRPOConfig field, passed through
    # -- logging
    report_to: str = "auto"  # auto: tensorboard and wandb when installed (wandb only with WANDB_* set) | none | list
    samples_per_step: int = 8  # rollouts written to samples.jsonl each step (0: none)
    # -- hacking monitor
    monitor_window: int = 20  # steps compared: the first half of the window against the second
    monitor_proc_rise: float = 0.05  # R_proc rising by at least this ...
    monitor_pass_tolerance: float = 0.0  # ... while the pass rate changes by at most this: hacking warning
    monitor_length_factor: float = 3.0  # reasoning words above this x the run's first half-window: warning
    monitor_action: str = "warn"  # warn | stop (checkpoint and end the run)

    def validate(self) -> None:
        checks = [(self.resume in RESUME_MODES, f"resume: choose {' or '.join(RESUME_MODES)}"),
                  (self.monitor_action in MONITOR_ACTIONS, f"monitor_action: choose {' or '.join(MONITOR_ACTIONS)}"),
                  (self.vllm_mode in VLLM_MODES, f"vllm_mode: choose {' or '.join(VLLM_MODES)}"),
                  (self.use_vllm in ("true", "false", "auto"), "use_vllm: choose true, false or auto"),
                  (self.bf16 in ("true", "false", "auto"), "bf16: choose true, false or auto"),
                  (self.num_generations >= 2, "num_generations: GRPO needs at least 2 completions per prompt"),
                  (bool(self.train_tasks), "train_tasks: give at least one task source or file"),
                  (self.temperature > 0, "temperature: must be positive (GRPO samples)"),
                  (0 < self.top_p <= 1, "top_p: must lie in (0, 1]"),
                  (self.learning_rate > 0, "learning_rate: must be positive"),
                  (self.beta >= 0, "beta: must be >= 0"),
                  (self.epsilon_high is None or self.epsilon_high >= self.epsilon,
                   "epsilon_high: must be >= epsilon"),
                  (self.monitor_window >= 2, "monitor_window: must be at least 2"),
                  (not (self.eval_steps and not self.eval_tasks), "eval_steps: set eval_tasks to evaluate")]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        for key in ("max_steps", "save_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
                    "max_completion_length", "num_generations_eval", "lora_r"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: must be at least 1")
        completions = self.per_device_train_batch_size * self.gradient_accumulation_steps
        if completions % self.num_generations:
            raise ConfigError(f"per_device_train_batch_size x gradient_accumulation_steps ({completions}) must be a "
                              f"multiple of num_generations ({self.num_generations}): whole groups per step")
        unknown = sorted(set(self.trl) - _grpo_fields()) if self.trl else []
        if unknown:
            raise ConfigError(f"trl: {', '.join(unknown)} is not a field of TRL's GRPOConfig")
        owned = sorted(set(self.trl) & _OWNED_TRL_KEYS)
        if owned:
            raise ConfigError(f"trl: set {', '.join(owned)} as top-level key(s), not under trl")

    # -- loading (recode.config.StageConfig), with this config's shorthands
    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str | None = None) -> TrainConfig:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("train_tasks", "eval_tasks"):  # one task source may be written without a list
                if isinstance(data.get(key), str):
                    data[key] = [data[key]]
            for key in ("use_vllm", "bf16"):  # true | false | auto: YAML reads the first two as booleans
                if isinstance(data.get(key), bool):
                    data[key] = str(data[key]).lower()
            if isinstance(data.get("report_to"), list):
                data["report_to"] = ",".join(data["report_to"])
            for key in ("reward", "trl"):
                if key in data and data[key] is None:
                    data[key] = {}
        return super().from_dict(data, where or "train config")

    @classmethod
    def prepare(cls, data: dict[str, Any], path) -> dict[str, Any]:
        if isinstance(data.get("reward_config"), str):
            data = {**data, "reward_config": _find_relative(data["reward_config"], Path(path))}
        return data

    def reward_settings(self) -> RewardConfig:
        """The reward config file with this config's `reward` overrides applied."""
        base: dict[str, Any] = {}
        if self.reward_config:
            try:
                base = yaml.safe_load(Path(self.reward_config).read_text(encoding="utf-8")) or {}
            except OSError as exc:
                raise ConfigError(f"reward_config: cannot read {self.reward_config} ({exc.strerror})") from None
        return RewardConfig.from_dict({**base, **self.reward}, f"reward ({self.reward_config} + reward overrides)")

    def vllm_enabled(self) -> bool:
        if self.use_vllm == "auto":
            return importlib.util.find_spec("vllm") is not None and _cuda()
        if self.use_vllm == "true" and importlib.util.find_spec("vllm") is None:
            raise ConfigError("use_vllm: true needs vllm installed (pip install vllm), or set use_vllm=auto/false")
        return self.use_vllm == "true"

    def report_targets(self) -> list[str]:
        if self.report_to == "none":
            return []
        if self.report_to != "auto":
            return [t.strip() for t in self.report_to.split(",") if t.strip()]
        targets = ["tensorboard"] if importlib.util.find_spec("tensorboard") is not None else []
        wandb_set = any(k in os.environ for k in ("WANDB_API_KEY", "WANDB_MODE", "WANDB_PROJECT"))
        return targets + (["wandb"] if wandb_set and importlib.util.find_spec("wandb") is not None else [])


def _find_relative(name: str, config_path: Path) -> str:
    """A relative path as given when it exists from here, else looked up from the config file's folder upwards
    (so `configs/reward/x.yaml` works from any working directory inside the project)."""
    if Path(name).is_absolute() or Path(name).exists():
        return name
    for parent in config_path.resolve().parents:
        if (parent / name).exists():
            return str(parent / name)
    return name


def _grpo_fields() -> set[str]:
    from trl import GRPOConfig

    return {f.name for f in fields(GRPOConfig)}


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()
