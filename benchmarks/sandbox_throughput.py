"""Throughput and verdict agreement of our sandbox scorer vs EvalPlus 0.3.1, against a compute floor.

For each benchmark (HumanEval+ v0.1.10, MBPP+ v0.1.0) and each sample set (the canonical solutions; one
seeded mutant per task, see mutants.py), back to back on the same machine:

- EvalPlus 0.3.1: ``evaluate(dataset, samples, parallel=W)`` in a subprocess (evalplus_runner.py), offline via
  HUMANEVAL_OVERRIDE_PATH / MBPP_OVERRIDE_PATH, ground-truth cache warmed first and not counted;
- ours: ``recode.eval.score.score_samples(benchmark, samples, workers=W)``, warmed first by one untimed call
  on the canonical solutions (fills the ground-truth cache);
- the floor: floor.py's plain-process time for the canonical solutions on all inputs, divided by W; measured
  at the start (best of the repeats) and again right before each of our runs ("adjacent floor"), because the
  machine's speed drifts within the hour.

Verdicts are compared sample by sample (base = base tests pass; plus = base and plus tests pass, EvalPlus's
``pass@1`` on the "+" line), between EvalPlus and ours, and across repeated runs of each.

    python benchmarks/sandbox_throughput.py --benchmark both --workers 2 --repeats 2 --out results.json
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import bench_data
import mutants
import report
from quiet import wait_quiet

HERE = Path(__file__).resolve().parent
SAMPLE_SETS = ("canonical", "mutants")


def run_json(cmd: list[str], log: Path, env: dict | None = None) -> dict:
    """Run a helper script; its stderr goes to log, its last stdout line is JSON."""
    with open(log, "a") as err:
        err.write(f"\n$ {' '.join(cmd)}\n")
        err.flush()
        proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}); see {log}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def prepare_samples(benchmark: str, work: Path, seed: int) -> dict[str, list[dict]]:
    problems = bench_data.load_problems(benchmark)
    sets = {"canonical": bench_data.canonical_samples(problems), "mutants": mutants.make_mutants(problems, seed)}
    for name, samples in sets.items():
        bench_data.write_jsonl(work / f"{name}.jsonl", samples)
    return sets


def measure_floor(benchmark: str, work: Path, args) -> dict:
    """Best (lowest) of args.repeats floor measurements, each in a fresh process on a quiet machine."""
    runs = []
    for _ in range(args.repeats):
        quiet = wait_quiet(args.max_busy, args.max_wait)
        floor = run_json([sys.executable, str(HERE / "floor.py"), "--benchmark", benchmark], work / "floor.log")
        runs.append({**floor, **quiet})
    best = min(runs, key=lambda r: r["total_s"])
    (work / "floor.json").write_text(json.dumps(best, indent=1))
    best = {k: v for k, v in best.items() if k != "per_task_s"}
    best["all_totals_s"] = [r["total_s"] for r in runs]
    best["floor_s"] = best["total_s"] / args.workers
    return best


def evalplus_cmd(benchmark: str, *args: str) -> list[str]:
    return [sys.executable, str(HERE / "evalplus_runner.py"), "--dataset", bench_data.evalplus_dataset(benchmark),
            *args]


def run_evalplus(benchmark: str, samples_path: Path, workers: int, log: Path) -> tuple[float, dict]:
    env = bench_data.evalplus_env(benchmark)
    out = run_json(evalplus_cmd(benchmark, "--samples", str(samples_path), "--parallel", str(workers)), log, env)
    results = json.loads(Path(out["results"]).read_text())
    verdicts = {}
    for task_id, rows in results["eval"].items():
        (row,) = rows  # one sample per task in our sets
        base, plus = row["base_status"], row["plus_status"]
        verdicts[task_id] = {"base": base == "pass", "plus": base == plus == "pass",
                             "raw": f"base={base} plus={plus}",
                             "fail_input": report.short(row["base_fail_tests"] or row["plus_fail_tests"])}
    return out["seconds"], verdicts


def run_ours(benchmark: str, samples: list[dict], workers: int) -> tuple[float, dict]:
    from recode.eval.score import score_samples

    start = time.perf_counter()
    rows = score_samples(benchmark, samples, workers=workers)
    seconds = time.perf_counter() - start
    verdicts = {}
    for row in rows:
        verdicts[row["task_id"]] = {"base": bool(row["base_passed"]), "plus": bool(row["plus_passed"]),
                                    "raw": f"{row['status']} base={row['base_passed']} plus={row['plus_passed']}",
                                    "fail_input": report.short(row.get("first_failure"))}
    return seconds, verdicts


def bench_set(benchmark: str, name: str, samples: list[dict], args, work: Path) -> dict:
    """Time EvalPlus and ours back to back, args.repeats times each; keep every run's verdicts."""
    entry: dict = {"benchmark": benchmark, "set": name, "n": len(samples), "evalplus": [], "ours": []}
    mutation = {s["task_id"]: s["mutation"] for s in samples}
    ep_runs, our_runs = [], []
    for r in range(args.repeats):
        if not args.skip_evalplus:
            quiet = wait_quiet(args.max_busy, args.max_wait)
            seconds, verdicts = run_evalplus(benchmark, work / f"{name}.jsonl", args.workers, work / "evalplus.log")
            entry["evalplus"].append({"seconds": seconds, **quiet, "passed": report.n_passed(verdicts)})
            ep_runs.append(verdicts)
            print(f"  {benchmark} {name} run {r + 1}: EvalPlus {seconds:.1f}s", flush=True)
        if not args.skip_ours:
            paired = {}
            if not args.no_paired_floor:
                # This machine's speed drifts by 10-20% within an hour: a floor measured right before our run
                # gives a ratio that the drift does not distort.
                wait_quiet(args.max_busy, args.max_wait)
                floor = run_json([sys.executable, str(HERE / "floor.py"), "--benchmark", benchmark],
                                 work / "floor.log")
                paired = {"floor_s": floor["total_s"] / args.workers}
            quiet = wait_quiet(args.max_busy, args.max_wait)
            seconds, verdicts = run_ours(benchmark, samples, args.workers)
            entry["ours"].append({"seconds": seconds, **quiet, **paired, "passed": report.n_passed(verdicts)})
            our_runs.append(verdicts)
            print(f"  {benchmark} {name} run {r + 1}: ours {seconds:.1f}s"
                  + (f" (floor just before: {paired['floor_s']:.1f}s)" if paired else ""), flush=True)
    entry["disagreements"] = report.diff_verdicts(ep_runs[0], our_runs[0], mutation) if ep_runs and our_runs else []
    entry["flaky_evalplus"] = report.diff_runs(ep_runs, mutation)
    entry["flaky_ours"] = report.diff_runs(our_runs, mutation)
    entry["first_run_verdicts"] = {who: {t: runs[0][t]["raw"] for t in sorted(runs[0], key=report.task_order)}
                                   for who, runs in (("evalplus", ep_runs), ("ours", our_runs)) if runs}
    return entry


def warm(benchmark: str, canonical: list[dict], args, work: Path) -> dict:
    out: dict = {}
    if not args.skip_evalplus:
        out["evalplus_warm_s"] = run_json(evalplus_cmd(benchmark, "--warm"), work / "evalplus.log",
                                          bench_data.evalplus_env(benchmark))["warm_s"]
    if not args.skip_ours:
        out["ours_warm_s"], _ = run_ours(benchmark, canonical, args.workers)
    return out


def run_benchmark(benchmark: str, args) -> dict:
    work = Path(args.work_dir) / benchmark
    work.mkdir(parents=True, exist_ok=True)
    sets = prepare_samples(benchmark, work, args.seed)
    print(f"{benchmark}: measuring the floor", flush=True)
    result = {"floor": measure_floor(benchmark, work, args)}
    print(f"{benchmark}: warming ground-truth caches (not timed)", flush=True)
    result["warm"] = warm(benchmark, sets["canonical"], args, work)
    result["sets"] = [bench_set(benchmark, name, sets[name], args, work) for name in SAMPLE_SETS]
    return result


def recode_path() -> str | None:
    """Where `recode` is imported from (a snapshot on PYTHONPATH pins the scorer's version; see README)."""
    spec = importlib.util.find_spec("recode")
    return str(Path(spec.origin).parent) if spec and spec.origin else None


def machine() -> dict:
    try:
        import evalplus

        ep_version = evalplus.__version__
    except Exception:  # noqa: BLE001 - only informative
        ep_version = None

    def git(*cmd: str) -> str:
        proc = subprocess.run(["git", *cmd], check=False, cwd=bench_data.REPO_ROOT, capture_output=True, text=True)
        return proc.stdout.strip()

    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "evalplus": ep_version, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "git_head": git("rev-parse", "--short", "HEAD"), "git_dirty": git("status", "--porcelain", "recode"),
            "recode_path": recode_path()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", choices=["humaneval+", "mbpp+", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="EvalPlus --parallel and our workers")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each scorer per sample set")
    parser.add_argument("--seed", type=int, default=0, help="mutant seed")
    parser.add_argument("--out", default="results.json")
    parser.add_argument("--work-dir", default=str(bench_data.REPO_ROOT / "runs" / "sandbox_throughput"),
                        help="samples, EvalPlus result files and logs go here")
    parser.add_argument("--max-busy", type=float, default=0.1,
                        help="before each timed run, wait until at most this fraction of the CPUs is busy")
    parser.add_argument("--max-wait", type=float, default=300, help="seconds to wait for that, at most")
    parser.add_argument("--no-paired-floor", action="store_true",
                        help="do not measure the floor again right before each of our runs")
    parser.add_argument("--skip-evalplus", action="store_true")
    parser.add_argument("--skip-ours", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    benchmarks = ["humaneval+", "mbpp+"] if args.benchmark == "both" else [args.benchmark]
    results = {"command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
               "machine": machine(), "workers": args.workers, "repeats": args.repeats, "seed": args.seed,
               "benchmarks": {b: run_benchmark(b, args) for b in benchmarks}}
    end = machine()
    results["machine"]["git_head_end"], results["machine"]["git_dirty_end"] = end["git_head"], end["git_dirty"]
    pinned = not str(results["machine"]["recode_path"]).startswith(str(bench_data.REPO_ROOT))
    if not pinned and (end["git_head"], end["git_dirty"]) != (results["machine"]["git_head"],
                                                               results["machine"]["git_dirty"]):
        print("warning: recode/ changed during the run (git HEAD or working tree); timings may mix versions")
    Path(args.out).write_text(json.dumps(results, indent=1))
    print()
    print(report.markdown(results))
    print(f"\nfull results: {args.out}")


if __name__ == "__main__":
    main()
