"""The `recode` command line: one subcommand group per stage."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from recode.generate.commands import generate_app
from recode.io import DataError
from recode.reward.commands import reward_app
from recode.rm.commands import rm_app
from recode.rmbench.commands import rmbench_app
from recode.synth.commands import synth_app
from recode.train.commands import train_app

app = typer.Typer(help="ReCode: reasoning-aware RL for code LLMs. One command group per pipeline stage.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
eval_app = typer.Typer(help="Score and evaluate code on the benchmarks (HumanEval(+), MBPP(+)).",
                       no_args_is_help=True)
sandbox_app = typer.Typer(help="The execution sandbox: isolation report and a live demo.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(reward_app, name="reward")
app.add_typer(generate_app, name="generate")
app.add_typer(rmbench_app, name="rmbench")
app.add_typer(train_app, name="train")
app.add_typer(synth_app, name="synth")
app.add_typer(rm_app, name="rm")
console = Console(stderr=True)


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)  # unwrapped, so file:line stays on one line
    raise typer.Exit(2)


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("eta"), TimeRemainingColumn(), console=console, transient=False)


@eval_app.command("score")
def eval_score(
    benchmark: str = typer.Option(..., help="humaneval, humaneval+, mbpp or mbpp+"),
    samples: Path = typer.Option(..., help="JSONL: task_id plus solution (whole program) or completion"),
    out: Path = typer.Option(..., help="where to write one result line per sample"),
    workers: int = typer.Option(0, help="sandbox workers (0: one per core)"),
    fail_fast: bool = typer.Option(True, help="stop each sample at its first failing test"),
    isolation: str = typer.Option("auto", help="auto, bwrap+uid, uid or rlimits"),
    summary_out: Path = typer.Option(None, help="also write the summary JSON here"),
    time_floor: float = typer.Option(1.0, help="minimum time limit per test, seconds (EvalPlus: 1.0)"),
    time_factor: float = typer.Option(4.0, help="time limit per test = factor x reference time (EvalPlus: 4.0)"),
) -> None:
    """Score EvalPlus-format samples; write per-sample results and print pass@1 (base and plus)."""
    from recode.datasets import UnknownBenchmark, get_benchmark
    from recode.eval.score import score_samples, summary
    from recode.io import read_jsonl, write_json, write_jsonl
    from recode.sandbox import Limits, SandboxError

    try:
        bench = get_benchmark(benchmark)
        records = read_jsonl(samples)
        with progress_bar() as bar:
            tasks: dict[str, int] = {}

            def on_progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total)
                bar.update(tasks[phase], completed=done, total=total)

            limits = Limits(time_floor_s=time_floor, time_factor=time_factor)
            rows = score_samples(bench, records, workers=workers or None, fail_fast=fail_fast, isolation=isolation,
                                 on_progress=on_progress, source=str(samples), limits=limits)
    except (DataError, UnknownBenchmark, SandboxError, ValueError) as exc:
        fail(str(exc))
    write_jsonl(out, rows)
    result = summary(rows, bench)
    if summary_out:
        write_json(summary_out, result)
    _print_summary(result, out)


def _print_summary(result: dict, out: Path) -> None:
    line = f"{result['benchmark']}: {result['n_samples']} samples, {result['n_tasks']} tasks"
    base = result["base"].get("pass@1")
    line += f" | pass@1 base {100 * base:.1f}%" if base is not None else ""
    if "plus" in result and result["plus"].get("pass@1") is not None:
        line += f" | plus {100 * result['plus']['pass@1']:.1f}%"
    print(line)
    print(f"statuses: {json.dumps(result['status_counts'])}")
    print(f"results: {out}")


@eval_app.command("benchmarks")
def eval_benchmarks() -> None:
    """List the benchmarks and where their local data is looked for."""
    from recode.datasets import BENCHMARKS, data_dir

    print(f"data dir: {data_dir()}  (set RECODE_DATA_DIR to change)")
    for name, cls in BENCHMARKS.items():
        print(f"  {name:12s} {'base + plus tests' if cls.has_plus else 'original tests'}")


@sandbox_app.command("info")
def sandbox_info() -> None:
    """Show which isolation level this machine gives programs."""
    from recode.sandbox import choose_isolation, isolation

    level = choose_isolation("auto")
    print(f"isolation: {level}")
    print(f"bwrap: {isolation.bwrap_path() or 'not found (install the bubblewrap package for namespaces)'}")
    print(f"running as root: {isolation.is_root()}")


@sandbox_app.command("demo")
def sandbox_demo(
    tasks: int = typer.Option(20, help="how many HumanEval+ tasks"),
    workers: int = typer.Option(0, help="sandbox workers (0: one per core)"),
) -> None:
    """Score HumanEval+ reference solutions and hostile rewrites of them (exit tricks, always-equal objects,
    infinite loops, patched builtins) and show that only the honest ones pass."""
    from recode.eval.demo import run_demo

    try:
        run_demo(n_tasks=tasks, workers=workers or None, console=Console())
    except DataError as exc:
        fail(str(exc))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
