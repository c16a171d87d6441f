"""`recode reward ...`: preflight the reward on a task set, serve it over HTTP, write task and verl files.

`--data` takes a task source name (mbpp-train, mbpp-validation, leetcode-train, kodcode-demo, gsm8k-train) or a
task JSONL file (docs/tasks.md). `--config` is a reward YAML (recode/reward/config.py); `--set key=value`
overrides single keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

reward_app = typer.Typer(help="The consistency-gated reward: preflight checks, the HTTP service, data export.",
                         no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _config(path: Path | None, overrides: list[str], default_gate: str | None = None):
    from recode.reward.config import ConfigError, RewardConfig

    try:
        if path is None and default_gate and not any(o.startswith("gate=") for o in overrides):
            overrides = [f"gate={default_gate}", *overrides]
        return RewardConfig.load(path, overrides)
    except ConfigError as exc:
        _fail(str(exc))


def _tasks(specs: list[str], limit: int | None):
    from recode.io import DataError
    from recode.tasks import load_tasks

    try:
        return [t for spec in specs for t in load_tasks(spec, limit)]
    except DataError as exc:
        _fail(str(exc))


@reward_app.command("preflight")
def preflight_cmd(
    data: list[str] = typer.Option(..., help="task source name or task JSONL (repeatable)"),
    config: Path = typer.Option(None, help="reward YAML; without one: gate outcome_only (no RM in the check)"),
    set_: list[str] = typer.Option([], "--set", help="override a config key: key=value (repeatable)"),
    limit: int = typer.Option(None, help="only the first N tasks of each --data"),
    out: Path = typer.Option(None, help="write the full report (JSON) here"),
    passing_out: Path = typer.Option(None, help="write the tasks that passed (a clean task file) here"),
    show: int = typer.Option(20, help="failures to print"),
) -> None:
    """Run every reference solution through the complete reward path; exit 1 unless all get full outcome reward."""
    from recode.reward.pipeline import RewardPipeline
    from recode.reward.preflight import preflight
    from recode.sandbox import SandboxError

    cfg = _config(config, set_, default_gate="outcome_only")
    tasks = _tasks(data, limit)
    try:
        with RewardPipeline(cfg) as pipeline:
            report = preflight(tasks, pipeline)
    except (SandboxError, RuntimeError) as exc:
        _fail(f"the reward path itself failed: {exc}")
    if out:
        from recode.io import write_json

        write_json(out, report.to_dict())
    if passing_out:
        from recode.tasks import write_tasks

        failed = {f["task_id"] for f in report.failures} | set(report.no_reference)
        write_tasks(passing_out, [t for t in tasks if t.task_id not in failed])
    typer.echo(f"preflight ({cfg.gate}, scorer {cfg.scorer}): {report.n_checked - len(report.failures)}/"
               f"{report.n_checked} reference solutions get full outcome reward; statuses {json.dumps(report.statuses)}")
    if report.no_reference:
        typer.echo(f"{len(report.no_reference)} tasks have no reference solution and were not checked")
    for failure in report.failures[:show]:
        typer.echo(f"  FAIL {failure['task_id']}: {failure['why']}" + (f" | {failure['detail']}" if failure['detail']
                                                                        else ""))
    if len(report.failures) > show:
        typer.echo(f"  ... and {len(report.failures) - show} more" + (f" (all in {out})" if out else ""))
    if not report.ok:
        typer.echo("PREFLIGHT FAILED: fix these tasks, or drop them from the training set, before training.",
                   err=True)
        raise typer.Exit(1)


@reward_app.command("serve")
def serve_cmd(
    tasks: list[str] = typer.Option([], help="task source name or task JSONL the requests refer to (repeatable)"),
    config: Path = typer.Option(None, help="reward YAML"),
    set_: list[str] = typer.Option([], "--set", help="override a config key: key=value (repeatable)"),
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(8000, help="port (0: any free port)"),
    max_batch: int = typer.Option(1024, help="rollouts per pipeline call"),
    max_wait_ms: float = typer.Option(20.0, help="how long a request waits for others to batch with"),
) -> None:
    """Serve the reward over HTTP: /reward, /get_reward (OpenRLHF --remote_rm_url), /score, /health."""
    from recode.reward.batching import RewardService
    from recode.reward.pipeline import RewardPipeline
    from recode.reward.server import make_server

    cfg = _config(config, set_)
    registry = {t.task_id: t for t in _tasks(tasks, None)}
    pipeline = RewardPipeline(cfg)
    isolation = pipeline.verifiers["code"].pool.level  # start the sandbox now: a broken one fails here, not later
    server = make_server(RewardService(pipeline, max_batch, max_wait_ms / 1000), registry, host, port)
    typer.echo(f"reward server on http://{server.server_address[0]}:{server.server_address[1]} "
               f"({len(registry)} tasks, gate {cfg.gate}, scorer {cfg.scorer}, sandbox {isolation}); OpenRLHF: "
               f"--remote_rm_url http://HOST:{server.server_address[1]}/get_reward --label_key task_id")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        pipeline.close()


@reward_app.command("tasks")
def tasks_cmd(
    data: list[str] = typer.Option(..., help="task source name or task JSONL (repeatable)"),
    out: Path = typer.Option(..., help="task JSONL to write"),
    limit: int = typer.Option(None, help="only the first N tasks of each --data"),
) -> None:
    """Write a task file (docs/tasks.md) from the local datasets."""
    from recode.tasks import write_tasks

    tasks = _tasks(data, limit)
    write_tasks(out, tasks)
    typer.echo(f"{len(tasks)} tasks -> {out}")


@reward_app.command("to-verl")
def to_verl_cmd(
    data: list[str] = typer.Option(..., help="task source name or task JSONL (repeatable)"),
    out: Path = typer.Option(..., help="parquet file to write (verl's data.train_files)"),
    limit: int = typer.Option(None, help="only the first N tasks of each --data"),
) -> None:
    """Write tasks in verl's RL parquet schema; the reward reads them back from reward_model.ground_truth."""
    from recode.io import DataError
    from recode.reward.verl_adapter import write_verl_parquet

    tasks = _tasks(data, limit)
    try:
        write_verl_parquet(tasks, out)
    except DataError as exc:
        _fail(str(exc))
    typer.echo(f"{len(tasks)} tasks -> {out}")
