"""`recode eval ...`: run a model on benchmarks (generate + score), score sample files, report runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

eval_app = typer.Typer(help="Evaluate models on the benchmarks: generate, score, report.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)  # unwrapped, so file:line stays on one line
    raise typer.Exit(2)


class _Bars:
    """One rich progress bar per phase ("generate", "humaneval+: scoring", ...), with ETA."""

    def __init__(self) -> None:
        from recode.cli import progress_bar

        self.bar = progress_bar()
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done, total=total)


@eval_app.command("score")
def eval_score(
    benchmark: Annotated[str, typer.Option(help="a benchmark name (recode eval benchmarks), e.g. humaneval+")],
    samples: Annotated[Path, typer.Option(help="JSONL: task_id plus solution (whole program) or completion")],
    out: Annotated[Path, typer.Option(help="where to write one result line per sample")],
    workers: int = typer.Option(0, help="sandbox workers (0: one per core)"),
    fail_fast: bool = typer.Option(True, help="stop each sample at its first failing test"),
    isolation: str = typer.Option("auto", help="auto, bwrap+uid, uid or rlimits"),
    summary_out: Annotated[Path | None, typer.Option(help="also write the summary JSON here")] = None,
    time_floor: Annotated[float | None, typer.Option(
        help="minimum time limit per test, seconds (default: the benchmark's rule; EvalPlus's is 1.0)")] = None,
    time_factor: Annotated[float | None, typer.Option(
        help="time limit per test = factor x the reference's time (default: the benchmark's rule; EvalPlus: 4)")] = None,
) -> None:
    """Score EvalPlus-format samples; write per-sample results and print pass@1 (base and plus)."""
    from recode.datasets import UnknownBenchmark, get_benchmark
    from recode.eval.score import summary
    from recode.io import DataError, read_jsonl, write_json, write_jsonl
    from recode.sandbox import Limits, SandboxError

    try:
        bench = get_benchmark(benchmark)
        records = read_jsonl(samples)
        with _Bars() as bars:
            if bench.domain == "math":  # answers are checked with math-verify: nothing runs in the sandbox
                rows = bench.score(records, workers=workers, on_progress=bars, source=str(samples))
            else:
                # Limits only when asked for: LiveCodeBench and BigCodeBench have time rules of their own.
                limits = None if time_floor is None and time_factor is None else Limits(
                    time_floor_s=1.0 if time_floor is None else time_floor,
                    time_factor=4.0 if time_factor is None else time_factor)
                rows = bench.score(records, workers=workers, on_progress=bars, source=str(samples),
                                   fail_fast=fail_fast, isolation=isolation, limits=limits)
    except (DataError, UnknownBenchmark, SandboxError, ValueError) as exc:
        _fail(str(exc))
    write_jsonl(out, rows)
    result = summary(rows, bench)
    if summary_out:
        write_json(summary_out, result)
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
        kind = "base + plus tests" if cls.has_plus else "original tests" if cls.domain == "code" else cls.domain
        print(f"  {name:18s} {kind}")


def _config(config: Path | None, set_: list[str], options: dict):
    """The YAML config (or defaults), then typed options that were given, then --set overrides."""
    from recode.config import ConfigError
    from recode.eval.run import EvalConfig

    given = [f"{k}={json.dumps(v)}" for k, v in options.items() if v is not None]
    try:
        return EvalConfig.load(config, given + list(set_))
    except ConfigError as exc:
        _fail(str(exc))


def _run(cfg, score: bool) -> dict:
    from recode.datasets import UnknownBenchmark
    from recode.eval.run import run_eval
    from recode.generate import GenerationError
    from recode.io import DataError
    from recode.sandbox import SandboxError

    try:
        with _Bars() as bars:
            return run_eval(cfg, score=score, progress=bars)
    except (DataError, UnknownBenchmark, SandboxError, GenerationError) as exc:
        _fail(str(exc))


_OPTS = {
    "model": typer.Option(None, help="Hub id, local folder, smollm2, or a served model name (openai)"),
    "backend": typer.Option(None, help="hf, vllm or openai"),
    "benchmarks": typer.Option(None, help="comma-separated, e.g. humaneval+,mbpp+"),
    "n": typer.Option(None, help="samples per problem"),
    "temperature": typer.Option(None, help="0 = greedy"),
    "top_p": typer.Option(None, "--top-p"),
    "max_new_tokens": typer.Option(None, "--max-new-tokens"),
    "seed": typer.Option(None),
    "mode": typer.Option(None, help="plain (benchmark instruction) or reasoning (<think>/<answer> format)"),
    "limit": typer.Option(None, help="first N problems of each benchmark"),
    "out": typer.Option(None, help="run folder (default runs/eval/default)"),
    "name": typer.Option(None, help="row label in reports (default: the model)"),
    "device": typer.Option(None, help="hf: auto, cpu, cuda ..."),
    "batch_size": typer.Option(None, "--batch-size", help="hf: sequences decoded together"),
    "base_url": typer.Option(None, "--base-url", help="openai: server URL"),
    "workers": typer.Option(None, help="sandbox workers (0: one per core)"),
    "config": typer.Option(None, help="an EvalConfig YAML file"),
    "set_": typer.Option([], "--set", help="override a config key: key=value (repeatable)"),
}


@eval_app.command("run")
def eval_run(model: str = _OPTS["model"], backend: str = _OPTS["backend"], benchmarks: str = _OPTS["benchmarks"],
             n: int = _OPTS["n"], temperature: float = _OPTS["temperature"], top_p: float = _OPTS["top_p"],
             max_new_tokens: int = _OPTS["max_new_tokens"], seed: int = _OPTS["seed"], mode: str = _OPTS["mode"],
             limit: int = _OPTS["limit"], out: str = _OPTS["out"], name: str = _OPTS["name"],
             device: str = _OPTS["device"], batch_size: int = _OPTS["batch_size"], base_url: str = _OPTS["base_url"],
             workers: int = _OPTS["workers"], config: Path = _OPTS["config"], set_: list[str] = _OPTS["set_"]) -> None:
    """Generate (resumable), score in the sandbox, and write summary.json with pass@k per benchmark."""
    options = {k: v for k, v in locals().items() if k not in ("config", "set_")}
    cfg = _config(config, set_, options)
    summary = _run(cfg, score=True)
    _print_run(summary, cfg.out)


@eval_app.command("generate")
def eval_generate(model: str = _OPTS["model"], backend: str = _OPTS["backend"],
                  benchmarks: str = _OPTS["benchmarks"], n: int = _OPTS["n"], temperature: float = _OPTS["temperature"],
                  top_p: float = _OPTS["top_p"], max_new_tokens: int = _OPTS["max_new_tokens"],
                  seed: int = _OPTS["seed"], mode: str = _OPTS["mode"], limit: int = _OPTS["limit"],
                  out: str = _OPTS["out"], name: str = _OPTS["name"], device: str = _OPTS["device"],
                  batch_size: int = _OPTS["batch_size"], base_url: str = _OPTS["base_url"],
                  config: Path = _OPTS["config"], set_: list[str] = _OPTS["set_"]) -> None:
    """Generation only: write <out>/<benchmark>/samples.jsonl (score later with `recode eval score`)."""
    options = {k: v for k, v in locals().items() if k not in ("config", "set_")}
    cfg = _config(config, set_, options)
    summary = _run(cfg, score=False)
    g = summary["generation"]
    print(f"{g['cached']} completions from the cache, {g['generated']} generated "
          f"({g['completion_tokens']} tokens, {g['tokens_per_s']} tokens/s)")
    for spec in cfg.benchmarks:
        from recode.eval.run import bench_dir

        print(f"samples: {bench_dir(Path(cfg.out), spec) / 'samples.jsonl'}")


def _print_run(summary: dict, out: str) -> None:
    g = summary["generation"]
    print(f"{summary['name']}: generation {g['wall_s']} s, {g['generated']} new + {g['cached']} cached "
          f"completions, {g['tokens_per_s']} tokens/s")
    for spec, r in summary["benchmarks"].items():
        parts = [f"{spec}: {r['n_tasks']} tasks"]
        parts += [f"{k} {100 * v:.1f}%" for k, v in r.items() if k.startswith(("pass@", "maj@"))]
        if "base" in r and "pass@1" in r["base"]:
            parts.append(f"base pass@1 {100 * r['base']['pass@1']:.1f}%")
        missing = r.get("no_code", r.get("no_answer"))
        parts.append(f"{'no_code' if 'no_code' in r else 'no_answer'} {missing}")
        print(" | ".join(parts))
    print(f"summary: {Path(out) / 'summary.json'}")


@eval_app.command("report")
def eval_report(
    runs: Annotated[list[Path], typer.Argument(help="run folders (each with summary.json)")],
    out: Annotated[Path, typer.Option(help="markdown file; the chart goes beside it (.png)")] = Path("report.md"),
    metric: str = typer.Option("pass@1", help="the metric in the table and chart"),
) -> None:
    """A markdown table (models x benchmarks) and a bar chart of several runs."""
    from recode.eval.report import write_report
    from recode.io import DataError

    try:
        md, png = write_report(runs, out, metric)
    except DataError as exc:
        _fail(str(exc))
    print(f"report: {md}\nchart: {png}")
