"""The `recode` command line: one subcommand group per stage."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from recode.eval.commands import eval_app
from recode.generate.commands import generate_app
from recode.io import DataError
from recode.quickstart.commands import quickstart_cmd
from recode.reward.commands import reward_app
from recode.rm.commands import rm_app
from recode.rmbench.commands import rmbench_app
from recode.synth.commands import synth_app
from recode.train.commands import train_app

app = typer.Typer(help="ReCode: reasoning-aware RL for code LLMs. One command group per pipeline stage.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
sandbox_app = typer.Typer(help="The execution sandbox: isolation report and a live demo.", no_args_is_help=True)
app.command("quickstart")(quickstart_cmd)
app.add_typer(synth_app, name="synth")
app.add_typer(rm_app, name="rm")
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(rmbench_app, name="rmbench")
app.add_typer(reward_app, name="reward")
app.add_typer(generate_app, name="generate")
app.add_typer(sandbox_app, name="sandbox")
console = Console(stderr=True)


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)  # unwrapped, so file:line stays on one line
    raise typer.Exit(2)


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("eta"), TimeRemainingColumn(), console=console, transient=False)


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
