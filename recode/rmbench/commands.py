"""`recode rmbench ...`: build a reasoning-preference benchmark, review it, evaluate reward models on it.

recode rmbench build --config configs/rmbench/leetcode-smollm2.yaml --out runs/rmbench/lcd
recode rmbench review --pairs runs/rmbench/lcd/candidates.jsonl --out review.html   # (build writes one too)
recode rmbench import --candidates runs/rmbench/lcd/candidates.jsonl --decisions decisions.json --out bench.jsonl
recode rmbench eval --pairs bench.jsonl --scorer crpl=hf:runs/rm/crpl --scorer length --out runs/rmbench/eval
recode rmbench eval --pairs allenai/reward-bench --subset Code --subset Math --scorer hf:<hub id> --out ...
recode rmbench leaderboard runs/rmbench/eval
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from recode.io import DataError

rmbench_app = typer.Typer(
    help="Reasoning reward benchmark (LCB-RB style): build, review, evaluate.", no_args_is_help=True
)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _progress(label: str):
    from recode.cli import progress_bar

    bar = progress_bar()
    state: dict = {}

    def update(done: int, total: int) -> None:
        if "task" not in state:
            state["task"] = bar.add_task(label, total=total)
        bar.update(state["task"], completed=done, total=total)

    return bar, update


@rmbench_app.command("build")
def build_cmd(
    out: Annotated[Path, typer.Option(help="output folder (samples, executions, candidates, review page, report)")],
    config: Annotated[
        Path | None, typer.Option(help="build YAML (recode/rmbench/config.py; configs/rmbench/)")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="override a config key: key=value (repeatable)")
    ] = None,
) -> None:
    """Sample reasoning+solution outputs per problem, execute them, form (and optionally judge-screen) pairs,
    balance lengths, and write candidates.jsonl plus review.html for human review."""
    from recode.rmbench.build import build
    from recode.rmbench.config import BuildConfig, ConfigError

    try:
        cfg = BuildConfig.load(config, set_ or [])
        bar, update = _progress("generate (problems)")
        with bar:
            report = build(cfg, out, update)
    except (ConfigError, DataError) as exc:
        _fail(str(exc))
    except Exception as exc:  # generator / sandbox failures: report them without a traceback
        from recode.generate import GenerationError
        from recode.sandbox import SandboxError

        if isinstance(exc, (GenerationError, SandboxError)):
            _fail(str(exc))
        raise
    s = report["samples"]
    typer.echo(
        f"{report['problems']} problems, {s['total']} samples: {s['passed']} pass all tests, "
        f"{s['some_tests_passed']} pass some, {s['format_ok']} well formatted"
    )
    typer.echo(
        f"candidates by mode: {json.dumps(report['candidates_by_mode'])}; selected {report['selected']}; "
        f"final {report['pairs']} ({report['chosen_longer']} chosen longer, "
        f"{report['chosen_shorter']} chosen shorter)"
    )
    typer.echo(f"review page: {Path(out) / 'review.html'}  (then: recode rmbench import)")


@rmbench_app.command("review")
def review_cmd(
    pairs: Annotated[Path, typer.Option(help="candidate pair file")],
    out: Annotated[Path, typer.Option(help="HTML page to write")],
) -> None:
    """Write the self-contained review page (open it in a browser; "Save decisions" downloads decisions.json)."""
    from recode.rmbench.pairs import read_pairs
    from recode.rmbench.review import write_review_page

    try:
        header, items = read_pairs(pairs)
    except DataError as exc:
        _fail(str(exc))
    write_review_page(out, header, items)
    typer.echo(f"{len(items)} pairs -> {out}")


@rmbench_app.command("import")
def import_cmd(
    candidates: Annotated[Path, typer.Option(help="the candidate pair file the review page was made from")],
    decisions: Annotated[
        list[Path], typer.Option(help="decisions.json saved by the review page (repeat per reviewer)")
    ],
    out: Annotated[Path, typer.Option(help="final benchmark JSONL")],
    undecided: Annotated[str, typer.Option(help="pairs without a decision: error, drop or keep")] = "error",
    version: Annotated[str | None, typer.Option(help="benchmark version (default: the candidates' version)")] = None,
) -> None:
    """Apply review decisions: keep the pairs every reviewer kept; write the versioned benchmark."""
    from recode.rmbench.review import apply_decisions

    try:
        summary = apply_decisions(candidates, list(decisions), out, undecided, version)
    except DataError as exc:
        _fail(str(exc))
    typer.echo(
        f"kept {summary['kept']} of {summary['candidates']} pairs (reviewers: {summary['reviewers']}, "
        f"agreement {100 * summary['agreement']:.0f}%) -> {out} version {summary['version']}"
    )


@rmbench_app.command("validate")
def validate_cmd(pairs: Annotated[Path, typer.Argument(help="pair file to check")]) -> None:
    """Check a pair file (ours or RewardBench JSONL); errors name the line."""
    from recode.rmbench.pairs import read_pairs

    try:
        header, items = read_pairs(pairs)
    except DataError as exc:
        _fail(str(exc))
    version = f" version {header['version']}" if header else ""
    typer.echo(f"{pairs}: {len(items)} valid pairs{version}")


@rmbench_app.command("eval")
def eval_cmd(
    pairs: Annotated[
        str, typer.Option(help="pair file, RewardBench JSONL/parquet, or a Hub id (allenai/reward-bench)")
    ],
    out: Annotated[Path, typer.Option(help="folder for <scorer>.json, <scorer>.pairs.jsonl and leaderboard.md")],
    scorer: Annotated[
        list[str] | None,
        typer.Option(
            help="[NAME=]KIND[:ARG]: hf:<model>, remote:<url>, length, constant, "
            "random, judge:<model>, judge-hf:<model> (repeatable)"
        ),
    ] = None,
    scorers: Annotated[
        Path | None,
        typer.Option(help="YAML list of scorer specs (every ScorerSpec field; configs/rmbench/scorers.yaml)"),
    ] = None,
    subset: Annotated[
        list[str] | None, typer.Option(help="keep these subsets (Code and Math expand to RewardBench's)")
    ] = None,
    split: Annotated[str, typer.Option(help="Hub split")] = "filtered",
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint for judge:<model> scorers")] = None,
    bootstrap_unit: Annotated[
        str, typer.Option(help="resample whole problems (problem) or single pairs (pair)")
    ] = "problem",
    resamples: Annotated[int, typer.Option(help="bootstrap resamples")] = 2000,
    seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
    date_bucket: Annotated[str, typer.Option(help="date breakdown: month, quarter or year")] = "month",
    device: Annotated[str | None, typer.Option(help="device for hf scorers (default auto)")] = None,
) -> None:
    """Pairwise accuracy of each scorer, with a bootstrap interval, breakdowns and baselines."""
    from recode.io import write_json, write_jsonl
    from recode.reward.scorers import ScorerError
    from recode.rmbench.evaluate import evaluate, load_scorers, parse_scorer
    from recode.rmbench.metrics import leaderboard
    from recode.rmbench.pairs import load_pairs

    if bootstrap_unit not in ("problem", "pair") or date_bucket not in ("month", "quarter", "year"):
        _fail("--bootstrap-unit is problem or pair; --date-bucket is month, quarter or year")
    try:
        specs = (load_scorers(scorers) if scorers else []) + [parse_scorer(s, base_url) for s in scorer or []]
        if not specs:
            _fail("no scorer: pass --scorer KIND[:ARG] (repeatable) or --scorers scorers.yaml")
        if len({s.name for s in specs}) != len(specs):
            _fail("two scorers have the same name; name them: --scorer name=kind:arg")
        _, items = load_pairs(pairs, split, subset or None)
    except DataError as exc:
        _fail(str(exc))
    results = []
    for spec in specs:
        if device:
            spec.device = device
        try:
            result, rows = evaluate(items, spec, bootstrap_unit, resamples, seed=seed, date_bucketing=date_bucket)
        except (DataError, ScorerError) as exc:
            _fail(f"scorer {spec.name}: {exc}")
        result["pairs"] = pairs
        safe = spec.name.replace("/", "_").replace(":", "_")
        write_json(out / f"{safe}.json", result)
        write_jsonl(out / f"{safe}.pairs.jsonl", rows)
        s = result["summary"]
        typer.echo(
            f"{spec.name}: {100 * s['accuracy']:.1f}% of {s['n']} pairs "
            f"(95% CI {100 * s['ci'][0]:.1f}-{100 * s['ci'][1]:.1f}, {s['ties']} ties, {result['seconds']} s)"
        )
        results.append(result)
    table = leaderboard(results)
    (out / "leaderboard.md").write_text(table + "\n", encoding="utf-8")
    typer.echo(table)


@rmbench_app.command("leaderboard")
def leaderboard_cmd(
    results: Annotated[list[Path], typer.Argument(help="result JSON files or folders of them (from rmbench eval)")],
    breakdown: Annotated[str, typer.Option(help="by_difficulty, by_date, by_subset or by_mode")] = "by_difficulty",
) -> None:
    """A markdown leaderboard over several scorers' results."""
    from recode.rmbench.metrics import leaderboard

    files = [f for r in results for f in (sorted(r.glob("*.json")) if r.is_dir() else [r])]
    loaded = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            _fail(f"{f}: cannot read a result ({exc})")
        if not isinstance(data, dict) or "summary" not in data or "scorer" not in data:
            _fail(f"{f}: not a result of `recode rmbench eval`")
        loaded.append(data)
    if not loaded:
        _fail("no result files found")
    if len({json.dumps(r["baselines"], sort_keys=True) for r in loaded}) > 1:
        typer.echo("note: these results are not on the same pairs (their baselines differ)", err=True)
    typer.echo(leaderboard(loaded, breakdown))
