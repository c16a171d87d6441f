"""One training run in its run directory: resolve the config, resume from the last checkpoint, train, clean up.

    run_dir/
      config.yaml        the resolved config (train keys + the full reward config + library versions)
      metrics.jsonl      one record per step (and per evaluation); samples.jsonl, monitor.jsonl
      checkpoint-N/      TRL/transformers checkpoints (model or LoRA adapter, optimizer, scheduler, RNG, state)
      final/             the model (or adapter) after the last step
      tb/                TensorBoard events (when tensorboard is installed)

A run killed at any point restarts from its last checkpoint when the same command is run again: the trainer
restores the step, the optimizer, the RNG states and the position in the data, and the logs written after
that checkpoint are dropped, so no step is lost or logged twice.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console

from recode.reward.config import ConfigError
from recode.reward.pipeline import RewardPipeline
from recode.train.callbacks import make_run_logger, read_metrics, truncate_logs
from recode.train.config import TrainConfig
from recode.train.monitor import HackingMonitor, make_monitor_callback
from recode.train.trainer import build_trainer, load_task_sets, make_reward, process_reward_config

# Keys that may change between a run and its resumption without a warning.
_RESUMABLE_CHANGES = {"max_steps", "resume", "monitor_action", "report_to", "samples_per_step"}


@dataclass
class RunResult:
    run_dir: Path
    resumed_from: int  # the checkpoint step the run continued from (0: a fresh start)
    steps: int  # global step at the end
    stopped_by: dict | None  # the monitor's record when it stopped the run


def last_checkpoint(run_dir: Path) -> tuple[str | None, int]:
    """(path, step) of the newest complete checkpoint in `run_dir`, or (None, 0)."""
    from transformers.trainer_utils import get_last_checkpoint

    if not run_dir.is_dir():
        return None, 0
    path = get_last_checkpoint(str(run_dir))
    return (path, int(Path(path).name.rsplit("-", 1)[-1])) if path else (None, 0)


def _versions() -> dict[str, str]:
    out = {}
    for name in ("recode-rl", "trl", "transformers", "torch", "peft", "vllm", "deepspeed"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def resolved_config(cfg: TrainConfig) -> dict:
    return {**cfg.to_dict(), "reward_resolved": cfg.reward_settings().to_dict(), "versions": _versions()}


def _check_resumed_config(run_dir: Path, cfg: TrainConfig, console: Console) -> None:
    path = run_dir / "config.yaml"
    if not path.exists():
        return
    saved = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    current = cfg.to_dict()
    changed = sorted(k for k in current if k in saved and saved[k] != current[k] and k not in _RESUMABLE_CHANGES)
    if changed:
        console.print(f"[yellow]warning:[/] resuming {run_dir} with changed key(s): {', '.join(changed)} "
                      f"(the checkpoint was made with the values in {path})", soft_wrap=True)


def train(cfg: TrainConfig, console: Console | None = None, quiet: bool = False, use_cpu: bool | None = None,
          pipeline: RewardPipeline | None = None, extra_callbacks=()) -> RunResult:
    """Train (or resume) the run described by `cfg`. `pipeline`: a reward pipeline to use instead of building
    one from the config (tests share one sandbox pool); it is not closed here."""
    console = console or Console(stderr=True)
    run_dir = Path(cfg.output_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint, start = last_checkpoint(run_dir) if cfg.resume == "auto" else (None, 0)
    if checkpoint:
        _check_resumed_config(run_dir, cfg, console)
        console.print(f"resuming from {checkpoint} (step {start})", soft_wrap=True)
    if start >= cfg.max_steps:
        raise ConfigError(f"max_steps: the run in {run_dir} is already at step {start}; raise max_steps to continue")
    truncate_logs(run_dir, start)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(resolved_config(cfg), sort_keys=False), encoding="utf-8")

    tasks = load_task_sets(cfg)
    monitor = HackingMonitor(cfg.monitor_window, cfg.monitor_proc_rise, cfg.monitor_pass_tolerance,
                             cfg.monitor_length_factor)
    for record in read_metrics(run_dir):  # a resumed run's monitor sees the steps before the checkpoint
        monitor.update(record["step"], record)
    monitor_cb = make_monitor_callback(monitor, run_dir, cfg.monitor_action, console)
    own_pipeline = pipeline is None
    pipeline = pipeline or RewardPipeline(process_reward_config(cfg))
    try:
        reward = make_reward(cfg, tasks, pipeline, run_dir)
        callbacks = [make_run_logger(run_dir, console, quiet), monitor_cb, *extra_callbacks]
        trainer = build_trainer(cfg, reward, tasks, callbacks, use_cpu=use_cpu)
        reward.trainer = trainer
        trainer.train(resume_from_checkpoint=checkpoint)
        trainer.save_model(str(run_dir / "final"))
    finally:
        if own_pipeline:
            pipeline.close()
    return RunResult(run_dir, start, trainer.state.global_step, monitor_cb.stopped_by)
