"""The quickstart's stages, in pipeline order. Each calls one stage's own Python API with small sizes and
returns a summary of what it produced (read back from the files it wrote, so the report never types numbers in).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from recode.quickstart.config import QuickstartConfig
from recode.quickstart.runner import Stage


def run_synth(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    from recode.synth.commands import run_pairs, run_seeds, run_variants
    from recode.synth.config import SynthConfig

    out = run_dir / "synth"
    synth = SynthConfig(tasks=cfg.synth_tasks, max_problems=cfg.synth_problems, max_problem_words=60,
                        model=cfg.model, generator_options={"device": cfg.device, "batch_size": 16},
                        seed_mode="free+reference", seed_samples=cfg.synth_seed_samples,
                        seed_max_new_tokens=cfg.max_new_tokens, variant_max_new_tokens=cfg.max_new_tokens,
                        llm_variants=cfg.synth_llm_variants, variant_samples=1, val_fraction=0.25, seed=cfg.seed)
    seeds = run_seeds(synth, out)
    variants = run_variants(synth, out)
    pairs = run_pairs(synth, out)
    return {"seeds": seeds, "variants": variants, "pairs": pairs}


def run_rm(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    from recode.rm.config import RMTrainConfig
    from recode.rm.train import train

    synth = run_dir / "synth"
    rm = RMTrainConfig(train_pairs=str(synth / "pairs.train.jsonl"), val_pairs=str(synth / "pairs.val.jsonl"),
                       output_dir=str(run_dir / "rm"), model=cfg.model, lora=True, lora_layers=cfg.rm_lora_layers,
                       learning_rate=2e-4, max_steps=cfg.rm_steps, per_device_train_batch_size=cfg.rm_batch_size,
                       max_length=cfg.rm_max_length, eval_base=True, seed=cfg.seed)
    return train(rm)


def run_train(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    from recode.train.config import TrainConfig
    from recode.train.run import train

    g = cfg.train_group_size
    config = TrainConfig(
        output_dir=str(run_dir / "train"), model=cfg.model, seed=cfg.seed, train_tasks=cfg.train_tasks,
        train_limit=max(16, cfg.train_steps * cfg.train_prompts_per_step), reward_config=None,
        reward={"gate": "hard", "scorer": "hf", "rm_model": str(run_dir / "rm" / "model"), "rm_max_length": 1024},
        num_generations=g, per_device_train_batch_size=g * cfg.train_prompts_per_step,
        gradient_accumulation_steps=1, max_completion_length=cfg.max_new_tokens,
        learning_rate=cfg.train_learning_rate, max_steps=cfg.train_steps, save_steps=cfg.train_steps,
        samples_per_step=g * cfg.train_prompts_per_step, monitor_window=max(2, cfg.train_steps // 2 * 2),
        report_to="none")
    result = train(config, console=console)
    return {"steps": result.steps, "final": str(run_dir / "train" / "final"), "stopped_by": result.stopped_by}


def _run_eval(cfg: QuickstartConfig, run_dir: Path, name: str, model: str) -> dict:
    from recode.eval.run import EvalConfig, run_eval

    config = EvalConfig(model=model, name=name, benchmarks=cfg.eval_benchmarks, limit=cfg.eval_limit,
                        mode=cfg.eval_mode, out=str(run_dir / f"eval_{name}"), max_new_tokens=cfg.max_new_tokens,
                        device=cfg.device, batch_size=16, seed=cfg.seed)
    summary = run_eval(config)
    return {"summary": str(run_dir / f"eval_{name}" / "summary.json"),
            "pass@1": {b: s.get("pass@1") for b, s in summary["benchmarks"].items()}}


def run_eval_base(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    return _run_eval(cfg, run_dir, "base", cfg.model)


def run_eval_trained(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    return _run_eval(cfg, run_dir, "trained", str(run_dir / "train" / "final"))


def _scorers(cfg: QuickstartConfig, run_dir: Path) -> list:
    from recode.rmbench.evaluate import ScorerSpec

    rm = str(run_dir / "rm" / "model")
    return [ScorerSpec("crpl-rm", "hf", model=rm, device=cfg.device, max_length=cfg.rm_max_length),
            ScorerSpec("base-fresh-head", "hf", model=cfg.model, device=cfg.device, max_length=cfg.rm_max_length,
                       seed=cfg.seed),
            ScorerSpec("length", "length"), ScorerSpec("random", "random", seed=cfg.seed)]


def _evaluate_all(pair_file: Path, cfg: QuickstartConfig, run_dir: Path, out: Path) -> dict:
    from recode.io import write_json
    from recode.rmbench.evaluate import evaluate
    from recode.rmbench.metrics import leaderboard
    from recode.rmbench.pairs import load_pairs

    _, pairs = load_pairs(str(pair_file))
    if not pairs:
        return {"pairs": 0}
    results = []
    for spec in _scorers(cfg, run_dir):
        result, _ = evaluate(pairs, spec, seed=cfg.seed)
        write_json(out / f"{spec.name}.json", result)
        results.append(result)
    (out / "leaderboard.md").write_text(leaderboard(results) + "\n", encoding="utf-8")
    return {"pairs": len(pairs), "accuracy": {r["scorer"]: r["summary"]["accuracy"] for r in results},
            "ci": {r["scorer"]: r["summary"]["ci"] for r in results}}


def run_rmbench(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    from recode.rmbench.build import build
    from recode.rmbench.config import BuildConfig

    out = run_dir / "rmbench"
    # As configs/rmbench/leetcode-smollm2.yaml: a small generator rarely solves a problem, so pairs may also
    # rest on the weakest execution signal (exec_tier: a program that runs over one that does not).
    built = build(BuildConfig(tasks=cfg.rmbench_tasks, difficulties=["Easy"], max_problems=cfg.rmbench_problems,
                              n_samples=cfg.rmbench_samples, max_new_tokens=cfg.max_new_tokens, temperature=1.0,
                              generator=cfg.model, device=cfg.device, seed=cfg.seed,
                              reasoning_source="think_or_prose", modes=["pass_fail", "pass_rate", "exec_tier"],
                              max_pairs_per_problem=6, max_sample_uses=2), out / "build")
    return {"build": {k: built.get(k) for k in ("problems", "samples", "pairs", "pairs_by_mode")},
            "lcb_rb_style": _evaluate_all(out / "build" / "candidates.jsonl", cfg, run_dir, out / "built")
            if built.get("pairs") else {"pairs": 0},
            "crpl_heldout": _evaluate_all(run_dir / "synth" / "pairs.val.jsonl", cfg, run_dir, out / "heldout")}


def run_report(cfg: QuickstartConfig, run_dir: Path, console: Console) -> dict:
    from recode.quickstart.report import write_report

    return write_report(run_dir)


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


STAGES = [
    Stage("synth", "CRPL: seeds from the model, optimized/degraded variants, preference pairs", run_synth,
          lambda s: f"{s['pairs']['train']} train / {s['pairs']['val']} held-out pairs"),
    Stage("rm", "reward model: LoRA Bradley-Terry on the pairs", run_rm,
          lambda s: f"{s.get('steps')} steps, model in {s.get('model_dir')}"),
    Stage("train", "CG-GRPO: a short run with the gated reward", run_train,
          lambda s: f"{s['steps']} steps, policy in {s['final']}"),
    Stage("eval_base", "evaluate the base policy", run_eval_base,
          lambda s: ", ".join(f"{b} pass@1 {_pct(v)}" for b, v in s["pass@1"].items())),
    Stage("eval_trained", "evaluate the trained policy", run_eval_trained,
          lambda s: ", ".join(f"{b} pass@1 {_pct(v)}" for b, v in s["pass@1"].items())),
    Stage("rmbench", "reward-model accuracy on LCB-RB-style and held-out CRPL pairs", run_rmbench,
          lambda s: f"{s['lcb_rb_style']['pairs']} LCB-RB-style pairs, {s['crpl_heldout']['pairs']} held-out pairs"),
    Stage("report", "report.md and report.html", run_report, lambda s: f"{s['markdown']} and {s['html']}"),
]
