"""`recode quickstart`: run the whole pipeline on the embedded model and the local data, then write the report."""

from __future__ import annotations

from pathlib import Path

import typer


def quickstart_cmd(
    config: Path = typer.Option(None, "--config", "-c", help="quickstart YAML (configs/quickstart/*.yaml)"),
    set_: list[str] = typer.Option([], "--set", help="override a key: key=value (repeatable)"),
    run_dir: Path = typer.Option(None, help="run folder (overrides `run_dir`)"),
    redo: list[str] = typer.Option([], help="run this stage again even if it finished (repeatable)"),
) -> None:
    """CRPL pairs -> LoRA reward model -> CG-GRPO -> eval before/after -> RM accuracy -> report.md/html.

    Finished stages are skipped on a rerun; each stage writes into its own folder of the run folder."""
    from rich.console import Console

    from recode.config import ConfigError
    from recode.io import DataError
    from recode.models import ModelError
    from recode.quickstart.config import QuickstartConfig
    from recode.quickstart.runner import run_stages
    from recode.quickstart.stages import STAGES
    from recode.reward.scorers import ScorerError
    from recode.sandbox import SandboxError

    overrides = [*set_, *([f"run_dir={run_dir}"] if run_dir else [])]
    console = Console(stderr=True)
    try:
        cfg = QuickstartConfig.load(config, overrides)
        manifests = run_stages(cfg, STAGES, console, tuple(redo))
    except (ConfigError, DataError, ModelError, ScorerError, SandboxError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    report = manifests["report"]["summary"]
    typer.echo(f"report: {report['markdown']}  {report['html']}")
