"""Run EvalPlus 0.3.1's ``evaluate`` offline on our local data and time the call; one JSON line on stdout.

Run it with the override variable already set (``bench_data.evalplus_env``): EvalPlus reads
HUMANEVAL_OVERRIDE_PATH / MBPP_OVERRIDE_PATH when it is imported.

    HUMANEVAL_OVERRIDE_PATH=.../HumanEvalPlus.jsonl.gz \\
        python benchmarks/evalplus_runner.py --dataset humaneval --samples S.jsonl --parallel 2
    python benchmarks/evalplus_runner.py --dataset mbpp --warm   # compute + cache the ground truth only

What is timed is the ``evaluate()`` call, the same work as ``python -m evalplus.evaluate`` minus interpreter
start and imports (about 2 s: ``evalplus.data`` imports ``datasets``, hence pandas and pyarrow). The CLI also
waits for EvalPlus's non-daemon "stuck checker" thread, which sleeps in 20 s steps, so its wall time is up to
20 s longer than the work; we exit with ``os._exit`` to skip that wait. EvalPlus writes its verdicts to
``<samples>_eval_results.json`` next to the samples and reuses that file if it exists (asking on stdin to
overwrite with ``--i_just_wanna_run``), so the old file is deleted before each timed run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time


def warm(dataset: str) -> float:
    """Compute (or load) the ground-truth cache in ~/.cache/evalplus, exactly as evaluate() would."""
    from evalplus.data import get_human_eval_plus, get_human_eval_plus_hash, get_mbpp_plus, get_mbpp_plus_hash
    from evalplus.eval._special_oracle import MBPP_OUTPUT_NOT_NONE_TASKS
    from evalplus.evaluate import get_groundtruth

    start = time.perf_counter()
    if dataset == "humaneval":
        get_groundtruth(get_human_eval_plus(), get_human_eval_plus_hash(), [])
    else:
        get_groundtruth(get_mbpp_plus(), get_mbpp_plus_hash(), MBPP_OUTPUT_NOT_NONE_TASKS)
    return time.perf_counter() - start


def run(dataset: str, samples: str, parallel: int) -> tuple[float, str]:
    from evalplus.evaluate import evaluate

    results = samples[: -len(".jsonl")] + "_eval_results.json"
    if os.path.exists(results):
        os.remove(results)
    start = time.perf_counter()
    evaluate(dataset, samples=samples, parallel=parallel)
    return time.perf_counter() - start, results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=["humaneval", "mbpp"], required=True)
    parser.add_argument("--samples", help="EvalPlus-format JSONL (task_id, solution); must end in .jsonl")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--warm", action="store_true", help="only compute the ground-truth cache")
    args = parser.parse_args(argv)
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # EvalPlus prints progress; keep stdout for our JSON
        if args.warm:
            report = {"warm_s": warm(args.dataset)}
        else:
            seconds, results = run(args.dataset, os.path.abspath(args.samples), args.parallel)
            report = {"seconds": seconds, "results": results}
    out.write(json.dumps(report) + "\n")
    out.flush()
    sys.stderr.flush()
    os._exit(0)  # skip EvalPlus's stuck-checker thread (see the module docstring)


if __name__ == "__main__":
    main()
