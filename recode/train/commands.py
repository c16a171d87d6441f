"""`recode train`: train a policy with CG-GRPO (or a baseline) on TRL, and plot runs against each other.

    recode train --config configs/train/cg_grpo.yaml --set max_steps=20 --set reward.rm_model=/models/rm
    recode train plot runs/cg_grpo runs/ungated runs/grpo --out curves.png

Multi-GPU: `accelerate launch --config_file configs/accelerate/zero3.yaml -m recode.cli train --config ...`
(docs/train.md).
"""

from __future__ import annotations

from pathlib import Path

import typer

train_app = typer.Typer(help="Train a policy with the consistency-gated reward (CG-GRPO) or a baseline, on TRL; "
                             "`recode train plot` compares runs.", invoke_without_command=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@train_app.callback(invoke_without_command=True)
def train_cmd(
    ctx: typer.Context,
    config: Path = typer.Option(None, "--config", "-c", help="train YAML (configs/train/*.yaml)"),
    set_: list[str] = typer.Option([], "--set", help="override a key: key=value, reward.key=value, trl.key=value "
                                                     "(repeatable)"),
    model: str = typer.Option(None, help="policy: Hub id or local folder (overrides `model`)"),
    output_dir: Path = typer.Option(None, help="run directory (overrides `output_dir`)"),
    max_steps: int = typer.Option(None, help="overrides `max_steps`"),
    gate: str = typer.Option(None, help="reward gate: hard, none, pass_rate, outcome_only (overrides reward.gate)"),
    dry_run: bool = typer.Option(False, help="print the resolved config and exit"),
    quiet: bool = typer.Option(False, help="no per-step console lines (metrics.jsonl is still written)"),
) -> None:
    """Train (or resume, from the run directory's last checkpoint) with the config."""
    if ctx.invoked_subcommand:
        return
    if config is None and not set_:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    overrides = list(set_)
    for key, value in (("model", model), ("output_dir", output_dir), ("max_steps", max_steps),
                       ("reward.gate", gate)):
        if value is not None:
            overrides.append(f"{key}={value}")
    _train(config, overrides, dry_run, quiet)


def _train(config: Path | None, overrides: list[str], dry_run: bool, quiet: bool) -> None:
    import yaml

    from recode.io import DataError
    from recode.models import ModelError
    from recode.reward.config import ConfigError
    from recode.reward.scorers import ScorerError
    from recode.sandbox import SandboxError

    try:
        from recode.train.config import TrainConfig
        from recode.train.run import resolved_config, train

        cfg = TrainConfig.load(config, overrides)
        cfg.reward_settings()  # reward mistakes surface now, not after the model has loaded
        if dry_run:
            typer.echo(yaml.safe_dump(resolved_config(cfg), sort_keys=False))
            return
        result = train(cfg, quiet=quiet)
    except (ConfigError, DataError, ModelError, ScorerError, SandboxError) as exc:
        _fail(str(exc))
    except ImportError as exc:
        _fail(f"{exc}; training needs the train extra: pip install -e '.[train]'")
    done = f"run {result.run_dir}: step {result.steps}"
    done += f" (resumed from step {result.resumed_from})" if result.resumed_from else ""
    if result.stopped_by:
        done += f"; stopped by the hacking monitor: {result.stopped_by['message']}"
    typer.echo(done)


@train_app.command("plot")
def plot_cmd(
    runs: list[Path] = typer.Argument(..., help="run directories (each with metrics.jsonl)"),
    out: Path = typer.Option(Path("train_curves.png"), help="image to write (.png, .pdf, .svg)"),
    smooth: int = typer.Option(5, help="moving-average window in steps (1: raw)"),
    title: str = typer.Option(None, help="figure title"),
) -> None:
    """Draw reward parts, pass rate, gate-open rate, R_proc and lengths of several runs in one figure."""
    from recode.io import DataError
    from recode.train.plot import plot_runs

    try:
        path = plot_runs(runs, out, smooth, title)
    except DataError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {path}")
