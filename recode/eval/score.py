"""Scoring EvalPlus-format samples against a benchmark's tests in the sandbox.

Input: one JSON object per line with `task_id` and `solution` (the whole program) or `completion` (appended
to the task's prompt); other fields are ignored. Output: one result per sample, in input order, with
`task_id`, `completion_id` (the sample's index within its task), `passed`, `base_passed`, `plus_passed`
(null without plus tests), `status`, the first failing test, and the isolation level that held.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext

from recode.datasets import Benchmark, get_benchmark
from recode.eval.metrics import summarize, summarize_majority
from recode.io import DataError
from recode.sandbox import JobResult, Limits, SandboxPool
from recode.sandbox.pool import paused_gc


def normalize_task_id(benchmark: Benchmark, task_id, where: str) -> str:
    if isinstance(task_id, int) and benchmark.name.startswith("mbpp"):
        task_id = f"Mbpp/{task_id}"
    if not isinstance(task_id, str):
        raise DataError(f"{where}: `task_id` must be a string, got {task_id!r}")
    if task_id not in benchmark.problems:
        example = next(iter(benchmark.problems))
        raise DataError(f"{where}: task_id {task_id!r} is not in {benchmark.name} (ids look like {example!r})")
    return task_id


def _row(benchmark: Benchmark, task_id: str, completion_id: int, result: JobResult) -> dict:
    groups = benchmark.groups(benchmark.problems[task_id])
    if benchmark.has_plus:
        base = result.group_passed(groups, "base")
        plus = bool(base and result.group_passed(groups, "plus") is not False)  # a task may have no plus tests
    else:
        base, plus = result.passed, None
    return {"task_id": task_id, "completion_id": completion_id, "passed": plus if benchmark.has_plus else base,
            "base_passed": base, "plus_passed": plus, "status": str(result.status),
            "first_failure": result.first_failure, "isolation": result.isolation, "time_s": round(result.wall_s, 4)}


def _read_samples(bench: Benchmark, samples: list[dict], source: str) -> tuple[list[str], list[str]]:
    task_ids, solutions = [], []
    for n, sample in enumerate(samples, 1):
        where = f"{source} line {n}"
        if not isinstance(sample, dict) or "task_id" not in sample:
            raise DataError(f"{where}: missing field `task_id`")
        task_ids.append(normalize_task_id(bench, sample["task_id"], where))
        solutions.append(bench.solution_of(dict(sample, task_id=task_ids[-1]), where))
    return task_ids, solutions


def score_samples(benchmark: str | Benchmark, samples: list[dict], workers: int = 2, fail_fast: bool = True,
                  pool: SandboxPool | None = None, isolation: str = "auto",
                  on_progress: Callable[[str, int, int], None] | None = None, source: str = "sample",
                  limits: Limits | None = None) -> list[dict]:
    """Score samples; returns one result row per sample, in order.

    Args:
        benchmark: a registry name ("humaneval+", "mbpp+", "humaneval", "mbpp") or a Benchmark.
        samples: dicts with `task_id` and `solution` or `completion`.
        fail_fast: stop a sample at its first failing test (base failures skip plus tests).
        pool: an open SandboxPool to reuse; else one with `workers` workers is opened and closed here.
        on_progress: called as (phase, done, total): ground truth computed on a first run (cached), then scoring.
        source: how to name a sample in error messages (e.g. the file name); lines are numbered from 1.
        limits: resource and time limits per program (default: `Limits()`, EvalPlus's time rule).
    """
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    # A new pool's workers start in the background while the benchmark and its ground truth load.
    with (nullcontext(pool) if pool is not None else SandboxPool(workers=workers, isolation=isolation)) as sandbox, \
            paused_gc():
        task_ids, solutions = _read_samples(bench, samples, source)
        needed = sorted(set(task_ids) - set(bench.truth))
        bench.prepare(sandbox, needed,
                      on_done=(lambda k: on_progress("ground truth (first run only)", k, len(needed)))
                      if on_progress else None)
        seen: Counter = Counter()
        jobs = []
        for task_id, solution in zip(task_ids, solutions):
            jobs.append(bench.make_job(bench.problems[task_id], solution, fail_fast, f"{task_id}#{seen[task_id]}"))
            if limits is not None:
                jobs[-1].limits = limits
            seen[task_id] += 1
        done = [0]

        def tick(_: int) -> None:
            done[0] += 1
            if on_progress:
                on_progress("scoring", done[0], len(jobs))

        results = sandbox.run_batch(jobs, on_job_done=tick)
    counts: Counter = Counter()
    rows = []
    for task_id, result in zip(task_ids, results):
        rows.append(_row(bench, task_id, counts[task_id], result))
        counts[task_id] += 1
    return rows


def summary(rows: list[dict], benchmark: str | Benchmark) -> dict:
    """pass@k for base and (where present) plus tests, plus counts of each status."""
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    out = {"benchmark": bench.name, "n_samples": len(rows), "n_tasks": len({r["task_id"] for r in rows}),
           "base": summarize(rows, "base_passed"), "status_counts": dict(Counter(r["status"] for r in rows))}
    if bench.has_plus:
        out["plus"] = summarize(rows, "plus_passed")
    if bench.domain == "math":
        out.update(summarize_majority(rows))
    return out
