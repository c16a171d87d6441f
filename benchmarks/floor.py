"""The "floor": the time the canonical solutions need to compute every base + plus input in one plain process.

Like EvalPlus's ``trusted_exec``: exec ``prompt + canonical_solution``, then call the entry point on each input
(MBPP+ inputs deserialized as EvalPlus does). The inputs are deep-copied before the clock starts (the
functions may mutate them), so what is timed is exec + the calls, nothing else: no sandbox, no process per
sample, no comparison of outputs. Any scorer that runs the same work on W workers cannot beat total / W.

Run as a separate process (the canonical code changes interpreter state, e.g. the recursion limit):

    python benchmarks/floor.py --benchmark mbpp+      # prints one JSON object
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import sys
import time

from bench_data import BENCHMARKS, deserialize_inputs, load_problems


def time_task(benchmark: str, problem: dict) -> tuple[float, str | None]:
    """Seconds to exec the canonical program and run it on all inputs; the error, if one was raised."""
    inputs = [
        *deserialize_inputs(benchmark, problem["task_id"], problem["base_input"]),
        *deserialize_inputs(benchmark, problem["task_id"], problem["plus_input"]),
    ]
    inputs = copy.deepcopy(inputs)
    code = problem["prompt"] + problem["canonical_solution"]
    sink = io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sink):
            env: dict = {}
            exec(code, env)  # noqa: S102 - trusted canonical code, as in EvalPlus
            fn = env[problem["entry_point"]]
            for inp in inputs:
                fn(*inp)
    except BaseException as exc:  # noqa: BLE001 - report, keep measuring the other tasks
        return time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:200]
    return time.perf_counter() - start, None


def measure(benchmark: str) -> dict:
    problems = load_problems(benchmark)
    per_task, errors = {}, {}
    for problem in problems:
        seconds, error = time_task(benchmark, problem)
        per_task[problem["task_id"]] = seconds
        if error:
            errors[problem["task_id"]] = error
    slowest = max(per_task, key=per_task.get)
    return {
        "benchmark": benchmark,
        "tasks": len(problems),
        "inputs": sum(len(p["base_input"]) + len(p["plus_input"]) for p in problems),
        "total_s": sum(per_task.values()),
        "slowest_task": slowest,
        "slowest_task_s": per_task[slowest],
        "errors": errors,
        "per_task_s": per_task,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), required=True)
    args = parser.parse_args(argv)
    json.dump(measure(args.benchmark), sys.stdout)
    print()


if __name__ == "__main__":
    main()
