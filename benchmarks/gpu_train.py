"""CG-GRPO step time on one GPU: TRL's default rollout against compiled static-cache decoding, in one process.

    python benchmarks/gpu_train.py --model /models/SmolLM2-135M-Instruct --out result.json --budget-s 200
    python benchmarks/gpu_train.py --model tiny-lm --prompts 2 --generations 2 --max-new-tokens 8 \\
        --max-steps 2 --budget-s 120 --out tiny.json                                   # CPU check

Each variant trains the same policy (loaded afresh from `--model`) for a few CG-GRPO steps on MBPP train tasks
(`--prompts` prompts x `--generations` completions per step, `--max-new-tokens` tokens, one micro-batch per
step), with the same reward pipeline (gate hard; process scorer `--scorer`, by default `hf`: the same small
model with a fresh 1-label head, loaded once, bfloat16 on the GPU; the sandbox runs the tests):

- `defaults`: TRL 1.16's GRPOConfig defaults (float32 weights, bf16 autocast, gradient checkpointing, HF
  generate with the dynamic KV cache, eager decoding); only sizes, steps and logging are set;
- `fast`: the same, plus `cache_implementation="static"` and compiled decoding (TRL's GenerationConfig has
  disable_compile=True; we turn it off, and size the static cache once for the longest MBPP prompt, so that
  torch.compile/CUDA graphs compile the decoding step once). Generation runs in the weights' float32 without
  the bf16 autocast wrapper (recode.train.trainer.plain_forward: a float32 static cache fed bf16 keys fails on
  transformers 5.17). Training itself is unchanged;
- `fast_bf16` (run automatically when `fast` fails and 60 s remain, or by `--variants`): `fast` with the
  policy loaded in bfloat16, which changes training precision too (only its speed is meant here).

The trainer is `recode.train`'s ReCodeGRPOTrainer, which only adds timings: per step, its wall time split into
generation (inside HF generate, GPU synchronised), reward (TRL's reward call: sandbox + RM) and update (the
rest: log-probabilities, backward, optimizer), completion tokens, tokens/s and peak GPU memory.

Budget: `--budget-s` covers everything, imports and loads included. The defaults variant may use up to
`--defaults-share` of what is left when it starts; the fast variant the rest; a variant stops before a step
that would cross its deadline (at least one step each). The first step of a variant is reported apart
(warm-up; for `fast` it includes compilation); means are over the later steps when there are any. The JSON is
rewritten after each variant and on SIGINT, so a run cut short still reports what it measured.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere in the checkout

T0 = time.perf_counter()
STEP_KEYS = ("time/step_s", "time/generation_s", "time/reward_s", "time/update_s", "tokens/completion",
             "completions/mean_length", "reward/pass_rate", "reward/gate_open_rate", "reward", "entropy")


KEPT_PREFIXES = ("time/", "tokens/", "memory/", "completions/mean_length", "completions/clipped_ratio", "reward",
                 "entropy", "step_time")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="local HF folder of the policy (SmolLM2-135M-Instruct)")
    p.add_argument("--out", required=True)
    p.add_argument("--budget-s", type=float, default=200.0)
    p.add_argument("--defaults-share", type=float, default=0.4, help="share of the budget for the defaults run")
    p.add_argument("--variants", default="defaults,fast")
    p.add_argument("--tasks", default="mbpp-train")
    p.add_argument("--prompts", type=int, default=8)
    p.add_argument("--generations", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=384)
    p.add_argument("--max-steps", type=int, default=6, help="upper bound on steps per variant")
    p.add_argument("--scorer", default="hf", choices=("hf", "length", "constant"))
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def elapsed() -> float:
    return time.perf_counter() - T0


def environment() -> dict:
    import torch
    import transformers
    import trl

    env = {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
           "trl": trl.__version__, "device": "cpu"}
    if torch.cuda.is_available():
        env.update(device="cuda", gpu=torch.cuda.get_device_name(0))
    return env


def grpo_config(args, variant: str, out_dir: str, cuda: bool):
    from trl import GRPOConfig

    batch = args.prompts * args.generations
    kwargs = {"output_dir": out_dir, "max_steps": args.max_steps, "per_device_train_batch_size": batch,
              "gradient_accumulation_steps": 1, "num_generations": args.generations,
              "max_completion_length": args.max_new_tokens, "logging_steps": 1, "save_strategy": "no",
              "report_to": [], "disable_tqdm": True, "seed": args.seed, "use_cpu": not cuda, "bf16": cuda}
    if variant.startswith("fast"):
        kwargs["cache_implementation"] = "static"
    if variant.endswith("bf16"):
        kwargs["model_init_kwargs"] = {"dtype": "bfloat16"}
    return GRPOConfig(**kwargs)


def summarize(steps: list[dict]) -> dict:
    """First step apart; means over the later steps (all steps when there is only one)."""
    if not steps:
        return {"steps": 0}
    later = steps[1:] or steps
    mean = {k: sum(s.get(k, 0.0) for s in later) / len(later) for k in STEP_KEYS if any(k in s for s in later)}
    gen = sum(s.get("time/generation_s", 0.0) for s in later)
    tokens = sum(s.get("tokens/completion", 0.0) for s in later)
    step_total = sum(s.get("time/step_s", 0.0) for s in later)
    return {"steps": len(steps), "mean_includes_first_step": len(steps) == 1,
            "first_step_s": steps[0].get("time/step_s"),
            "first_generation_s": steps[0].get("time/generation_s"), "mean_over_steps": len(later),
            "mean": mean, "generation_tokens_per_s": tokens / gen if gen else None,
            "step_tokens_per_s": tokens / step_total if step_total else None}


def run_variant(args, variant: str, tasks, pipeline, deadline: float, result: dict) -> None:
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback

    from recode.models import load_tokenizer
    from recode.reward.trl_adapter import TRLReward, trl_rows
    from recode.train.trainer import _make_trainer_class, enable_compiled_decoding, max_prompt_tokens

    cuda = torch.cuda.is_available()
    record = result["variants"].setdefault(variant, {"steps": []})

    class Collect(TrainerCallback):
        def __init__(self):
            self.last_step_s = 0.0

        def on_log(self, a, state, control, logs=None, **kw):
            if logs and "time/step_s" in logs:
                record["steps"].append({k: float(v) for k, v in logs.items()
                                        if isinstance(v, (int, float)) and k.startswith(KEPT_PREFIXES)})
                self.last_step_s = logs["time/step_s"]

        def on_step_end(self, a, state, control, **kw):
            if time.perf_counter() + self.last_step_s > deadline:  # the next step would cross the deadline
                control.should_training_stop = True
            return control

    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    out_dir = tempfile.mkdtemp(prefix=f"gpu_train_{variant}_")
    start = time.perf_counter()
    tokenizer = load_tokenizer(args.model)
    trainer = _make_trainer_class()(
        model=args.model, reward_funcs=[TRLReward(pipeline, {t.task_id: t for t in tasks})],
        args=grpo_config(args, variant, out_dir, cuda), train_dataset=Dataset.from_list(trl_rows(tasks)),
        processing_class=tokenizer, callbacks=[Collect()])
    for cb in list(trainer.callback_handler.callbacks):
        if type(cb).__name__ in ("PrinterCallback", "ProgressCallback"):
            trainer.remove_callback(cb)
    if variant.startswith("fast"):  # on CPU transformers never compiles; the rest of the path runs
        enable_compiled_decoding(trainer, max_prompt_tokens(tokenizer, tasks))
    record["load_s"] = time.perf_counter() - start
    try:
        trainer.train()
    finally:
        record["wall_s"] = time.perf_counter() - start
        if cuda:
            record["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
            record["peak_gpu_reserved_gib"] = torch.cuda.max_memory_reserved() / 2**30
        record["summary"] = summarize(record["steps"])
        del trainer
        gc.collect()
        shutil.rmtree(out_dir, ignore_errors=True)


def speedup(result: dict) -> dict:
    v = result["variants"]
    fast = next((k for k in ("fast", "fast_bf16") if v.get(k, {}).get("summary", {}).get("steps")), None)
    if fast is None or not v.get("defaults", {}).get("summary", {}).get("steps"):
        return {}
    d, f = v["defaults"]["summary"], v[fast]["summary"]
    out = {"variant": fast}
    if d["mean_includes_first_step"] or f["mean_includes_first_step"]:
        out["note"] = "a variant ran one step only: its mean includes warm-up (and, for fast, compilation)"
    if d.get("generation_tokens_per_s") and f.get("generation_tokens_per_s"):
        out["generation_tokens_per_s"] = f["generation_tokens_per_s"] / d["generation_tokens_per_s"]
    for key in ("time/step_s", "time/generation_s"):
        if d["mean"].get(key) and f["mean"].get(key):
            out[key.split("/")[1].replace("_s", "_time")] = d["mean"][key] / f["mean"][key]
    return out


def write(path: str, result: dict) -> None:
    result["speedup_fast_over_defaults"] = speedup(result)
    result["total_s"] = elapsed()
    Path(path).write_text(json.dumps(result, indent=2))


def main(argv=None) -> int:
    args = parse_args(argv)
    result: dict = {"args": vars(args), "variants": {}, "errors": {}}
    try:
        import torch

        from recode.reward import RewardConfig, RewardPipeline
        from recode.tasks import load_tasks

        result["environment"] = environment()
        cuda = torch.cuda.is_available()
        tasks = load_tasks(args.tasks, limit=args.prompts * args.max_steps)
        reward_cfg = RewardConfig(gate="hard", scorer=args.scorer,
                                  rm_model=args.model if args.scorer == "hf" else None)
        result["reward"] = {"gate": "hard", "scorer": args.scorer,
                            "rm": "policy weights + fresh 1-label head" if args.scorer == "hf" else args.scorer}
        with RewardPipeline(reward_cfg) as pipeline:
            result["setup_s"] = elapsed()
            variants = [v.strip() for v in args.variants.split(",") if v.strip()]
            for i, variant in enumerate(variants):
                left = args.budget_s - elapsed() - 5.0
                share = args.defaults_share if (variant == "defaults" and i < len(variants) - 1) else 1.0
                deadline = time.perf_counter() + max(left * share, 0.0)
                print(f"[{elapsed():.0f}s] {variant}: deadline in {max(left * share, 0):.0f}s", flush=True)
                try:
                    run_variant(args, variant, tasks, pipeline, deadline, result)
                except Exception as exc:  # noqa: BLE001 - one variant failing must not lose the other's numbers
                    result["errors"][variant] = f"{type(exc).__name__}: {exc}"
                    if variant == "fast" and "fast_bf16" not in variants and args.budget_s - elapsed() > 60:
                        variants.append("fast_bf16")  # fallback: bf16 weights, where cache and activations agree
                write(args.out, result)
                print(json.dumps({variant: result["variants"].get(variant, {}).get("summary")}), flush=True)
                if cuda:
                    torch.cuda.empty_cache()
    except KeyboardInterrupt:
        result["errors"]["interrupted"] = f"SIGINT after {elapsed():.0f}s"
    except Exception as exc:  # noqa: BLE001 - recorded in the JSON
        result["errors"]["setup"] = f"{type(exc).__name__}: {exc}"
    write(args.out, result)
    print(json.dumps({"speedup": result["speedup_fast_over_defaults"], "total_s": result["total_s"],
                      "errors": result["errors"]}), flush=True)
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
