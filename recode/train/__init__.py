"""CG-GRPO training on TRL: `recode train --config configs/train/<name>.yaml` (docs/train.md).

    from recode.train import TrainConfig, train
    result = train(TrainConfig.load("configs/train/cg_grpo.yaml", ["max_steps=5"]))

Modules: config (TrainConfig), trainer (GRPOTrainer subclass with per-phase timings, GRPOConfig mapping),
callbacks (metrics.jsonl, console, samples.jsonl, resume bookkeeping), monitor (the hacking monitor),
run (a run directory with resume), plot (training curves of several runs), commands (the CLI).
"""

from recode.train.config import ConfigError, TrainConfig
from recode.train.monitor import HackingMonitor
from recode.train.run import RunResult, train

__all__ = ["ConfigError", "HackingMonitor", "RunResult", "TrainConfig", "train"]
