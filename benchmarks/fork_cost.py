"""What one small task costs a fork-server worker: wall time per task, and the forked process's CPU time and
minor page faults (each page it writes that it shared with the worker is copied, ~3 us here).

HumanEval+'s canonical solutions are planned as the pool plans them, and the tasks with under 50 ms of
reference time are kept (about 160: most of the benchmark's tasks, where the per-program cost weighs most).
A `Worker` in a fresh interpreter, set up as `serve` sets one up (subreaper, clean environment), runs them one
after another, reading one task at a time from a file so that its heap stays the size of a real worker's. The
forked process's CPU time and faults are read from RUSAGE_CHILDREN around each task.

    python benchmarks/fork_cost.py --repeats 3 --out fork_cost.json
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import time
from pathlib import Path

# Only what `serve` needs is imported up here: the measured interpreter must look like a worker, and
# `subprocess` alone would bring in `threading`, whose after-fork handler costs each forked program ~100 pages.

SMALL_S = 0.05


def write_tasks(path: Path) -> int:
    from recode.datasets import get_benchmark
    from recode.sandbox.plan import plan_job

    bench = get_benchmark("humaneval+")
    problems = bench.problems
    bench.prepare(None, list(problems))
    count = 0
    with open(path, "wb") as f:
        for k, (task_id, problem) in enumerate(problems.items()):
            for task in plan_job(k, bench.make_job(problem, problem.canonical_solution, True, task_id), 1.0):
                if task.estimate_s < SMALL_S:
                    pickle.dump(task, f, protocol=pickle.HIGHEST_PROTOCOL)
                    count += 1
    return count


def serve(path: str, level: str, repeats: int) -> None:
    """Runs in the measured interpreter; prints one JSON row per task and repeat."""
    import resource

    from recode.sandbox import isolation
    from recode.sandbox.worker import Worker

    isolation.make_worker_self_reaper()
    if level == "uid" and not isolation.unshare_network():
        level = "rlimits"
    worker = Worker(level)
    if hasattr(worker, "clean_environment"):  # as serve does; older commits (measured for comparison) lack it
        worker.clean_environment()
    rows = []
    for repeat in range(repeats):
        with open(path, "rb") as f:
            while True:
                try:
                    task = pickle.load(f)
                except EOFError:
                    break
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                result = worker.run_task(task)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                rows.append({"repeat": repeat, "wall_ms": wall * 1e3,
                             "child_cpu_ms": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e3,
                             "child_faults": after.ru_minflt - before.ru_minflt,
                             "tests_ms": sum(v.time_s or 0.0 for v in result.verdicts) * 1e3,
                             "passed": all(str(v.status) == "pass" for v in result.verdicts)})
                del task, result
    print(json.dumps({"level": level, "rows": rows, "threading_imported": "threading" in sys.modules}))


def summarize(rows: list[dict], repeats: int) -> dict:
    out = {"tasks_per_repeat": len(rows) // repeats, "all_passed": all(r["passed"] for r in rows)}
    for key in ("wall_ms", "child_cpu_ms", "child_faults", "tests_ms"):
        values = [r[key] for r in rows]
        out[key] = {"median": round(statistics.median(values), 3), "mean": round(statistics.mean(values), 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--level", choices=["uid", "rlimits"], default="uid" if os.geteuid() == 0 else "rlimits")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--serve", nargs=3, metavar=("TASKS", "LEVEL", "REPEATS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    import datetime
    import platform
    import subprocess
    import tempfile

    from recode.sandbox.isolation import clean_env

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.pkl"
        count = write_tasks(path)
        env = dict(clean_env(), PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        proc = subprocess.run([sys.executable, __file__, "--serve", str(path), args.level, str(args.repeats)],
                              capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        sys.exit(f"the measured worker failed:\n{proc.stderr[-2000:]}")
    measured = json.loads(proc.stdout)
    summary = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
               "level": measured["level"], "threading_imported": measured["threading_imported"],
               "planned_small_tasks": count, "repeats": args.repeats,
               **summarize(measured["rows"], args.repeats)}
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
