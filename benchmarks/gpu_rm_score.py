"""Reward-model scoring throughput on one GPU: records/s and tokens/s of a 1-label sequence-classification head.

    python benchmarks/gpu_rm_score.py --model /models/SmolLM2-135M-Instruct --out result.json
    python benchmarks/gpu_rm_score.py --model /models/SmolLM2-135M-Instruct --random-init --out result.json
    python benchmarks/gpu_rm_score.py --model tests-tiny-rm --records 24 --batch-sizes 8 --out tiny.json  # CPU

What is timed is exactly the scoring path of the reward and of `recode rm score`: `HFScorer.score`, i.e. the
RM input template (recode/reward/rm_input.py), tokenization, batches of similar lengths (inputs sorted by token
count), right padding, pooling at the last real token; bfloat16 on CUDA. Tokenization is inside the timing.

Records: `--records` synthetic (problem, reasoning) pairs with realistic lengths, seeded: problems of 40-220
words, reasoning lengths drawn from a log-normal with median `--median-words` words (clipped to 30-1,500),
built from sentences typical of code reasoning. The weights do not change the cost of a forward pass, so
`--random-init` builds the model from the folder's config and tokenizer alone (no weight file needed; the head
is random either way: a 1-label head is new on a causal LM).

Per batch size: one untimed warm-up pass over 64 records, then one timed pass over all records. Reported per
batch size: seconds, records/s, real tokens/s (tokens of the inputs, no padding), padded tokens/s (what the GPU
computed), padding overhead, peak GPU memory. The run stops adding batch sizes once `--budget-s` is spent.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere in the checkout

SENTENCES = [
    "First, restate the task: the function receives a list of integers and must return a new list.",
    "The example test shows the expected name of the function and the order of the arguments.",
    "A direct approach is to iterate over the input once and keep a running value in a variable.",
    "Edge cases: an empty list, a single element, negative numbers and repeated values.",
    "Sorting first would cost O(n log n), which is fine for the sizes in this problem.",
    "A dictionary from value to index gives constant-time lookups, so the whole pass is O(n).",
    "We must not modify the input in place, because the caller may reuse it afterwards.",
    "Check the example by hand: after the first step the accumulator holds 3, then 7, then 12.",
    "If the string is empty, the loop body never runs and the initial value is returned, as required.",
    "The recursion terminates because each call works on a strictly shorter suffix of the sequence.",
    "Dynamic programming: let dp[i] be the best answer for the first i items; dp[0] = 0.",
    "The transition takes the maximum of skipping item i and taking it, which covers both cases.",
    "Integer division must round toward negative infinity here, which matches Python's // operator.",
    "Two pointers, one at each end, move toward each other; the invariant is that the answer lies between them.",
    "Finally, return the collected result; its type matches what the assertion compares against.",
]
_PROBLEM_TEXT = ("write a function that takes list string integer returns number of elements whose sum is even odd "
                 "maximum minimum sorted unique characters given input array tuple dictionary keys values pairs "
                 "count index position first last")
PROBLEM_WORDS = _PROBLEM_TEXT.split()


def make_records(n: int, median_words: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    problems, reasonings = [], []
    for _ in range(n):
        problems.append(" ".join(rng.choice(PROBLEM_WORDS) for _ in range(rng.randint(40, 220))) + ".")
        words = min(1500, max(30, int(rng.lognormvariate(math.log(median_words), 0.7))))
        text: list[str] = []
        while sum(len(s.split()) for s in text) < words:
            text.append(rng.choice(SENTENCES))
        reasonings.append(" ".join(text))
    return problems, reasonings


def random_init_folder(model: str, target: Path, dtype: str) -> str:
    """A 1-label sequence-classification model built from `model`'s config (random weights), saved to `target`."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    config = AutoConfig.from_pretrained(model, num_labels=1)
    torch.manual_seed(0)
    net = AutoModelForSequenceClassification.from_config(config, dtype=getattr(torch, dtype))
    net.save_pretrained(target)
    AutoTokenizer.from_pretrained(model).save_pretrained(target)
    return str(target)


def measure(scorer, problems: list[str], reasonings: list[str], batch_size: int) -> dict:
    import torch

    cuda = scorer.device.startswith("cuda")
    scorer.batch_size = batch_size
    scorer.score(problems[:64], reasonings[:64])  # warm-up: kernels, allocator
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    scores = scorer.score(problems, reasonings)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    lengths = sorted((len(ids) for ids in scorer.encode(problems, reasonings)), reverse=True)
    padded = sum(max(lengths[i:i + batch_size]) * len(lengths[i:i + batch_size])
                 for i in range(0, len(lengths), batch_size))
    return {"batch_size": batch_size, "seconds": round(seconds, 3), "records_per_s": round(len(scores) / seconds, 1),
            "tokens_per_s": round(sum(lengths) / seconds), "padded_tokens_per_s": round(padded / seconds),
            "padding_overhead": round(padded / sum(lengths) - 1, 4),
            "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
            "finite_scores": all(math.isfinite(s) for s in scores)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="local folder: a 1-label RM, or any causal LM (new head)")
    parser.add_argument("--random-init", action="store_true", help="build the model from config + tokenizer only")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--median-words", type=int, default=250, help="median reasoning length, words")
    parser.add_argument("--batch-sizes", default="64,128,32", help="comma-separated, each measured in turn")
    parser.add_argument("--max-length", type=int, default=4096, help="tokens per input (left-truncated)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto", help="auto = bfloat16 on CUDA, float32 on CPU")
    parser.add_argument("--budget-s", type=float, default=28.0, help="stop starting new batch sizes after this")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch
    import transformers

    from recode.reward.hf_scorer import HFScorer, resolve_device

    started = time.perf_counter()
    device = resolve_device(args.device)
    dtype = ("bfloat16" if device.startswith("cuda") else "float32") if args.dtype == "auto" else args.dtype
    problems, reasonings = make_records(args.records, args.median_words, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        model = random_init_folder(args.model, Path(tmp), dtype) if args.random_init else args.model
        scorer = HFScorer(model, device=device, dtype=dtype, max_length=args.max_length)
        load_s = time.perf_counter() - started
        runs = []
        for size in [int(s) for s in args.batch_sizes.split(",")]:
            if runs and time.perf_counter() - started > args.budget_s:
                break
            runs.append(measure(scorer, problems, reasonings, size))
            print(json.dumps(runs[-1]), flush=True)
    lengths = [len(ids) for ids in scorer.tokenizer(scorer.texts(problems, reasonings))["input_ids"]]
    result = {
        "model": args.model, "random_init": args.random_init, "device": device, "dtype": dtype,
        "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None,
        "torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version(),
        "records": args.records, "tokens_total": sum(lengths), "tokens_mean": round(sum(lengths) / len(lengths), 1),
        "tokens_max": max(lengths), "load_s": round(load_s, 2), "runs": runs,
        "best": max(runs, key=lambda r: r["records_per_s"]), "wall_s": round(time.perf_counter() - started, 2),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"best: {result['best']['records_per_s']} records/s, {result['best']['tokens_per_s']} tokens/s "
          f"(batch {result['best']['batch_size']}); wall {result['wall_s']} s -> {args.out}")


if __name__ == "__main__":
    main()
