"""`recode synth ...`: seeds -> variants -> pairs, in one output directory.

    recode synth run --config configs/synth/smollm2_cpu.yaml --out runs/synth
    recode synth seeds --config ... --out runs/synth        # each stage alone (reads the previous one's file)
    recode synth variants --config ... --out runs/synth
    recode synth pairs --config ... --out runs/synth

Files in `--out`: seeds.jsonl, variants.jsonl, pairs.train.jsonl, pairs.val.jsonl, a report JSON per stage,
config.yaml (resolved), generations.jsonl (the generation cache: a killed run resumes from it, redoing no
finished generation) and tally.json (requests, tokens, cost of the generator). Schemas: docs/synth.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml

synth_app = typer.Typer(help="Contrastive reasoning pairs (CRPL): verified seeds, optimized/degraded rewrites, pairs.",
                        no_args_is_help=True)

CONFIG_OPT = typer.Option(None, help="synth YAML (configs/synth/*.yaml); without one: the defaults")
SET_OPT = typer.Option([], "--set", help="override a config key: key=value (repeatable)")
OUT_OPT = typer.Option(Path("runs/synth"), help="output directory")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _config(path, overrides, out: Path):
    from recode.reward.config import ConfigError
    from recode.synth.config import SynthConfig

    try:
        cfg = SynthConfig.load(path, overrides)
    except ConfigError as exc:
        _fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    return cfg


def _errors():
    from recode.generate import GenerationError
    from recode.io import DataError
    from recode.models import ModelError
    from recode.sandbox import SandboxError

    return (DataError, GenerationError, ModelError, SandboxError)


def run_seeds(cfg, out: Path) -> dict:
    from recode.io import write_json, write_jsonl
    from recode.synth.llm import SynthLLM, load_problem_tasks, seed_verifiers
    from recode.synth.seeds import make_seeds

    tasks = load_problem_tasks(cfg)
    verifiers = seed_verifiers({t.domain for t in tasks})
    try:
        with SynthLLM(cfg, out) as llm:
            seeds, report = make_seeds(tasks, cfg, llm, verifiers)
            report["generation"] = llm.tally()
    finally:
        for v in verifiers.values():
            v.close()
    write_jsonl(out / "seeds.jsonl", seeds)
    write_json(out / "seeds_report.json", report)
    return report


def run_variants(cfg, out: Path) -> dict:
    from recode.io import read_jsonl, write_json, write_jsonl
    from recode.synth.llm import SynthLLM
    from recode.synth.variants import make_variants

    seeds = read_jsonl(out / "seeds.jsonl", required=("seed_id", "task_id", "problem", "reasoning"))
    if cfg.llm_variants or cfg.judge:
        with SynthLLM(cfg, out) as llm:
            rows, report = make_variants(seeds, cfg, llm)
            report["generation"] = llm.tally()
    else:
        rows, report = make_variants(seeds, cfg, None)
    write_jsonl(out / "variants.jsonl", rows)
    write_json(out / "variants_report.json", report)
    return report


def run_pairs(cfg, out: Path) -> dict:
    from recode.io import read_jsonl, write_json, write_jsonl
    from recode.synth.pairs import build_pairs

    rows = read_jsonl(out / "variants.jsonl", required=("seed_id", "task_id", "dimension", "problem", "original"))
    train, val, report = build_pairs(rows, cfg.pair_types, cfg.val_fraction, cfg.seed, cfg.length_balance)
    write_jsonl(out / "pairs.train.jsonl", train)
    write_jsonl(out / "pairs.val.jsonl", val)
    write_json(out / "pairs_report.json", report)
    return report


def _echo(stage: str, report: dict) -> None:
    brief = {k: v for k, v in report.items() if k not in ("longer_is_better",)}
    typer.echo(f"{stage}: {json.dumps(brief)}")
    if "longer_is_better" in report:
        typer.echo(f"longer-is-better baseline: {json.dumps(report['longer_is_better']['all_pairs']['all'])}")


def _run_stages(config: Path | None, set_: list[str], out: Path, stages: list[str]) -> None:
    steps = {"seeds": run_seeds, "variants": run_variants, "pairs": run_pairs}
    cfg = _config(config, set_, out)
    try:
        for stage in stages:
            _echo(stage, steps[stage](cfg, out))
    except _errors() as exc:
        _fail(str(exc))


@synth_app.command("seeds")
def seeds_cmd(config: Path = CONFIG_OPT, set_: list[str] = SET_OPT, out: Path = OUT_OPT) -> None:
    """Sample reasoning + code for each problem and keep the samples whose code passes the tests."""
    _run_stages(config, set_, out, ["seeds"])


@synth_app.command("variants")
def variants_cmd(config: Path = CONFIG_OPT, set_: list[str] = SET_OPT, out: Path = OUT_OPT) -> None:
    """Optimized and degraded rewrites (LLM and rule-based) of every seed along every dimension, quality-checked."""
    _run_stages(config, set_, out, ["variants"])


@synth_app.command("pairs")
def pairs_cmd(config: Path = CONFIG_OPT, set_: list[str] = SET_OPT, out: Path = OUT_OPT) -> None:
    """Preference pairs (opt>orig, orig>deg, opt>deg) split by problem, and the longer-is-better baseline."""
    _run_stages(config, set_, out, ["pairs"])


@synth_app.command("run")
def run_cmd(config: Path = CONFIG_OPT, set_: list[str] = SET_OPT, out: Path = OUT_OPT) -> None:
    """seeds, variants and pairs in turn (rerun after a kill: finished generations come from the cache)."""
    _run_stages(config, set_, out, ["seeds", "variants", "pairs"])
