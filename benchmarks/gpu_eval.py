"""Full HumanEval+ and MBPP+ (and any other registered benchmark) on one GPU, through `recode eval run`'s code path.

    python benchmarks/gpu_eval.py --model /models/SmolLM2-135M-Instruct --out gpu_eval.json
    python benchmarks/gpu_eval.py --model /models/X --benchmarks humaneval+,mbpp+,gsm8k,math500 --out gpu_eval.json
    python benchmarks/gpu_eval.py --model tests-tiny-lm --limit 2 --max-new-tokens 8 --out tiny.json  # CPU check

What runs is `recode.eval.run.run_eval` with the HF backend: the model's chat template, EvalPlus's plain
instruction, greedy decoding, n=1, bfloat16 and a static KV cache with compiled decoding on CUDA, one
generation pass over all benchmarks' prompts (longest first, equal batches), then scoring in the sandbox with
one worker per core. Without bubblewrap the sandbox falls back to uid or rlimits isolation (recorded in the
output). Written to `--out`: pass@1 per benchmark (base and plus where present, no-code counts), generation
tokens/s, model load, first batch (includes the compilation) and steady-state times, scoring times, and the
wall time of the whole run against `--budget-s` (which covers load + generation of HumanEval+ and MBPP+).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere in the checkout


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="local model folder (or Hub id / smollm2)")
    p.add_argument("--benchmarks", default="humaneval+,mbpp+", help="comma-separated registry names")
    p.add_argument("--out", required=True, help="JSON file for the measurements")
    p.add_argument("--run-dir", default=None, help="keep the run folder here (default: a temporary folder)")
    p.add_argument("--batch-size", type=int, default=192, help="sequences decoded together")
    p.add_argument("--max-new-tokens", type=int, default=512)
    p.add_argument("--limit", type=int, default=None, help="first N problems per benchmark (CPU checks)")
    p.add_argument("--device", default="auto")
    p.add_argument("--static-cache", choices=["auto", "on", "off"], default="auto")
    p.add_argument("--workers", type=int, default=0, help="sandbox workers (0: one per core)")
    p.add_argument("--isolation", default="auto", help="sandbox isolation: auto, bwrap+uid, uid or rlimits")
    p.add_argument("--data-dir", default=None, help="benchmark data folder (sets RECODE_DATA_DIR)")
    p.add_argument("--budget-s", type=float, default=150.0, help="target for load + generation")
    p.add_argument("--random-init", action="store_true",
                   help="random weights from the folder's config (timing only: replies are noise, pass@1 is 0)")
    return p.parse_args(argv)


def open_pool(workers: int, isolation: str):
    """A sandbox pool; if the requested isolation cannot start here, the weakest level (rlimits) is used."""
    from recode.sandbox import SandboxError, SandboxPool

    try:
        pool = SandboxPool(workers=workers or None, isolation=isolation)
        pool.__enter__()
        return pool
    except SandboxError as exc:
        print(f"sandbox with isolation {isolation!r} failed ({exc}); using rlimits", file=sys.stderr)
        pool = SandboxPool(workers=workers or None, isolation="rlimits")
        pool.__enter__()
        return pool


def random_init(model: str) -> str:
    """A folder with the model's config and tokenizer and random bf16 weights. A random model rarely ends its
    reply, so every row decodes all max_new_tokens: the worst case of the time budget."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    lm = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model), dtype=torch.bfloat16)
    folder = tempfile.mkdtemp(prefix="random-init-")
    lm.save_pretrained(folder)
    AutoTokenizer.from_pretrained(model).save_pretrained(folder)
    return folder


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.data_dir:
        os.environ["RECODE_DATA_DIR"] = args.data_dir
    from recode.eval.run import EvalConfig, run_eval
    from recode.generate import make_generator

    if args.random_init:
        args.model = random_init(args.model)
    run_dir = args.run_dir or tempfile.mkdtemp(prefix="gpu-eval-")
    static = {"auto": None, "on": True, "off": False}[args.static_cache]
    config = EvalConfig(model=args.model, backend="hf", benchmarks=args.benchmarks, n=1, temperature=0.0,
                        max_new_tokens=args.max_new_tokens, limit=args.limit, out=run_dir, device=args.device,
                        dtype="auto", batch_size=args.batch_size, static_cache=static, chunk_size=10**9,
                        workers=args.workers)
    t0 = time.perf_counter()
    generator = make_generator("hf", args.model, device=args.device, batch_size=args.batch_size,
                               static_cache=static)
    load_s = time.perf_counter() - t0
    pool = open_pool(args.workers, args.isolation)
    try:
        summary = run_eval(config, generator=generator, pool=pool,
                           progress=lambda phase, d, t: print(f"{phase}: {d}/{t}", file=sys.stderr, flush=True))
        isolation = getattr(pool, "level", None) or getattr(pool, "isolation", None)
    finally:
        pool.__exit__(None, None, None)
        generator.close()
    result = measurements(summary, generator, load_s, time.perf_counter() - t0, args)
    result["sandbox_isolation"] = str(isolation) if isolation else None
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("pass@1", "generation", "within_budget")}, indent=2))
    return result


def measurements(summary: dict, generator, load_s: float, total_s: float, args) -> dict:
    g = summary["generation"]
    batches = generator.batches
    steady = batches[1:] or batches
    steady_steps = sum(b["steps"] for b in steady)
    gen = {"completion_tokens": g["completion_tokens"], "prompt_tokens": g["prompt_tokens"],
           "generate_s": g["seconds"], "tokens_per_s": g["tokens_per_s"], "batches": len(batches),
           "batch_rows": batches[0]["rows"] if batches else 0, "static_cache": generator.static_cache,
           "first_batch_s": batches[0]["seconds"] if batches else None,
           "steady_ms_per_step": round(1000 * sum(b["seconds"] for b in steady) / steady_steps, 2)
           if steady_steps else None,
           "steady_tokens_per_s": round(sum(b["tokens"] for b in steady) / sum(b["seconds"] for b in steady), 1)
           if steady and sum(b["seconds"] for b in steady) > 0 else None}
    benches = summary["benchmarks"]
    load_and_generate = load_s + g["wall_s"]
    return {
        "model": args.model, "device": summary["device"], "versions": summary["versions"],
        "benchmarks": args.benchmarks, "limit": args.limit, "max_new_tokens": args.max_new_tokens,
        "pass@1": {spec: e.get("pass@1") for spec, e in benches.items()},
        "per_benchmark": {spec: {k: e.get(k) for k in ("n_tasks", "pass@1", "base", "plus", "no_code", "no_answer",
                                                        "status_counts", "scoring_s")} for spec, e in benches.items()},
        "model_load_s": round(load_s, 2), "generation": gen, "generation_wall_s": g["wall_s"],
        "load_and_generate_s": round(load_and_generate, 2), "total_s": round(total_s, 2),
        "budget_s": args.budget_s, "within_budget": load_and_generate <= args.budget_s,
        "batch_log": batches,
    }


if __name__ == "__main__":
    main()
