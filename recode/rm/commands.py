"""`recode rm ...`: train the reasoning-process reward model, score records with it, evaluate it on pairs."""

from __future__ import annotations

import json
from pathlib import Path

import typer

rm_app = typer.Typer(help="The reasoning-process reward model (CRPL): Bradley-Terry training, scoring, evaluation.",
                     no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@rm_app.command("train")
def train_cmd(
    config: Path = typer.Option(None, help="RM YAML (configs/rm/*.yaml); without one: the defaults"),
    set_: list[str] = typer.Option([], "--set", help="override a config key: key=value (repeatable)"),
) -> None:
    """Bradley-Terry training (TRL RewardTrainer, full or LoRA); held-out accuracy per pair type and dimension."""
    from recode.io import DataError
    from recode.models import ModelError
    from recode.reward.config import ConfigError
    from recode.rm.config import RMTrainConfig
    from recode.rm.train import summary_lines, train

    try:
        cfg = RMTrainConfig.load(config, set_)
        card = train(cfg)
    except (ConfigError, DataError, ModelError) as exc:
        _fail(str(exc))
    for line in summary_lines(card):
        typer.echo(line)


@rm_app.command("score")
def score_cmd(
    model: str = typer.Option(..., help="the RM: local folder or Hub id (a 1-label sequence-classification model)"),
    records: Path = typer.Option(..., help="JSONL: problem + reasoning (or completion) per line"),
    out: Path = typer.Option(..., help="JSONL to write: the records plus rm_score and rm_unit"),
    batch_size: int = typer.Option(16, help="sequences per forward pass"),
    max_length: int = typer.Option(4096, help="tokens per input; longer inputs lose their start"),
    device: str = typer.Option("auto", help="auto (cuda when available), cpu, cuda, cuda:1, ..."),
    dtype: str = typer.Option("auto", help="auto (bfloat16 on GPU, float32 on CPU), float32, bfloat16, float16"),
    stats_out: Path = typer.Option(None, help="also write the throughput stats (JSON) here"),
) -> None:
    """Score (problem, reasoning) records, batched by length; print records/s and tokens/s."""
    from recode.cli import progress_bar
    from recode.io import DataError, iter_jsonl, write_json, write_jsonl
    from recode.reward.hf_scorer import HFScorer
    from recode.reward.scorers import ScorerError
    from recode.rm.score import load_records, score_records, sigmoid

    try:
        rows, problems, reasonings = load_records(list(iter_jsonl(records)), str(records))
        scorer = HFScorer(model, device=device, dtype=dtype, batch_size=batch_size, max_length=max_length)
    except (DataError, ScorerError) as exc:
        _fail(str(exc))
    with progress_bar() as bar:
        task = bar.add_task("scoring", total=len(rows))
        scores, stats = score_records(scorer, problems, reasonings, chunk=max(batch_size * 8, 256),
                                      on_progress=lambda done, total: bar.update(task, completed=done))
    write_jsonl(out, ({**r, "rm_score": s, "rm_unit": sigmoid(s)} for r, s in zip(rows, scores)))
    if stats_out:
        write_json(stats_out, stats)
    typer.echo(f"{stats['records']} records, {stats['tokens']} tokens in {stats['seconds']} s: "
               f"{stats['records_per_s']} records/s, {stats['tokens_per_s']} tokens/s "
               f"({stats['device']}, {stats['dtype']}, batch {batch_size}) -> {out}")


@rm_app.command("eval")
def eval_cmd(
    model: str = typer.Option(..., help="the RM: local folder or Hub id"),
    pairs: Path = typer.Option(..., help="pair JSONL (prompt, chosen, rejected + pair_type, dimension)"),
    batch_size: int = typer.Option(16),
    max_length: int = typer.Option(4096),
    device: str = typer.Option("auto"),
    out: Path = typer.Option(None, help="write the accuracies (JSON) here"),
) -> None:
    """Pair accuracy (s(chosen) > s(rejected)) per pair type, dimension and source, beside "longer is better"."""
    from recode.io import DataError, write_json
    from recode.reward.scorers import ScorerError
    from recode.rm.data import read_pairs
    from recode.rm.evaluate import evaluate_model

    try:
        result = evaluate_model(model, read_pairs(pairs), batch_size, max_length, device)
    except (DataError, ScorerError) as exc:
        _fail(str(exc))
    if out:
        write_json(out, result)
    for name, entry in result.items():
        typer.echo(f"{name:32s} n={entry['n']:4d}  acc {entry['accuracy']:.3f}  "
                   f"longer-is-better {entry.get('longer_is_better', float('nan')):.3f}")
    typer.echo(json.dumps(result["all"]))
