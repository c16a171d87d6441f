"""Verdict comparison and the markdown report for sandbox_throughput.py.

A verdict is ``{"base": bool, "plus": bool, "raw": str, "fail_input": str}`` per task_id, where ``plus`` means
base *and* plus tests pass (EvalPlus's "+" pass@1 and our ``plus_passed``). ``raw`` is each scorer's own words
(EvalPlus: ``base=<status> plus=<status>``; ours: ``<status> base=.. plus=..``).
"""

from __future__ import annotations

import statistics

BUSY = 0.1  # a run that started with more of the CPUs busy than this is marked with *


def short(value, limit: int = 160) -> str:
    text = "" if value in (None, [], "") else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def n_passed(verdicts: dict) -> dict:
    return {"base": sum(v["base"] for v in verdicts.values()), "plus": sum(v["plus"] for v in verdicts.values())}


def diff_verdicts(evalplus: dict, ours: dict, mutation: dict) -> list[dict]:
    """Tasks where EvalPlus and ours disagree on base or plus."""
    out = []
    for task_id in sorted(set(evalplus) | set(ours), key=task_order):
        ep, us = evalplus.get(task_id), ours.get(task_id)
        if ep is None or us is None or (ep["base"], ep["plus"]) != (us["base"], us["plus"]):
            out.append({"task_id": task_id, "mutation": mutation.get(task_id),
                        "evalplus": ep and ep["raw"], "evalplus_failing_input": ep and ep["fail_input"],
                        "ours": us and us["raw"], "ours_first_failure": us and us["fail_input"]})
    return out


def diff_runs(runs: list[dict], mutation: dict) -> list[dict]:
    """Tasks whose verdict changed between repeated runs of one scorer."""
    out = []
    for task_id in sorted(runs[0], key=task_order) if runs else []:
        seen = [(run[task_id]["base"], run[task_id]["plus"]) for run in runs]
        if len(set(seen)) > 1:
            out.append({"task_id": task_id, "mutation": mutation.get(task_id),
                        "runs": [run[task_id]["raw"] for run in runs]})
    return out


def task_order(task_id: str) -> tuple[str, int]:
    prefix, _, number = task_id.rpartition("/")
    return prefix, int(number) if number.isdigit() else 0


def fmt_runs(runs: list[dict]) -> str:
    if not runs:
        return "–"
    med = statistics.median(r["seconds"] for r in runs)
    each = ", ".join(f"{r['seconds']:.1f}{'*' if r['busy_before'] > BUSY else ''}" for r in runs)
    return f"{med:.1f} ({each})"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "–"


def median(runs: list[dict]) -> float | None:
    return statistics.median(r["seconds"] for r in runs) if runs else None


def paired_ratio(runs: list[dict]) -> str:
    """Median over our runs of (run time / the floor measured right before it)."""
    ratios = [r["seconds"] / r["floor_s"] for r in runs if r.get("floor_s")]
    return f"{statistics.median(ratios):.2f}x ({', '.join(f'{x:.2f}' for x in ratios)})" if ratios else "–"


def table_rows(name: str, bench: dict) -> list[str]:
    floor = bench["floor"]["floor_s"]
    rows = []
    for entry in bench["sets"]:
        ep, us = median(entry["evalplus"]), median(entry["ours"])
        passes = [f"{r['passed']['base']}/{r['passed']['plus']}" for r in entry["evalplus"][:1] + entry["ours"][:1]]
        rows.append(" | ".join([
            f"| {name}", entry["set"], str(entry["n"]), f"{floor:.1f}", fmt_runs(entry["evalplus"]),
            fmt_runs(entry["ours"]), ratio(ep, floor), ratio(us, floor), paired_ratio(entry["ours"]), ratio(ep, us),
            " · ".join(passes) or "–", str(len(entry["disagreements"])),
            str(len(entry["flaky_evalplus"]) + len(entry["flaky_ours"])) + " |"]))
    return rows


def markdown(results: dict) -> str:
    w = results["workers"]
    lines = [
        (f"Workers: {w}. Times in seconds: median (each run; * = more than {BUSY:.0%} of the CPUs were busy with "
         f"other work when it started). Floor = canonical compute time in one process / {w} (best of the runs). "
         "Ours/adjacent floor: each of our runs against the floor measured right before it (median, each run)."),
        "Pass columns: base/plus passes, EvalPlus · ours (first run). Speedup = EvalPlus / ours.",
        "",
        ("| benchmark | samples | n | floor s | EvalPlus 0.3.1 s | ours s | EvalPlus/floor | ours/floor "
         "| ours/adjacent floor | speedup | passes EP · ours | verdict diffs | flaky |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, bench in results["benchmarks"].items():
        lines += table_rows(name, bench)
    lines.append("")
    for name, bench in results["benchmarks"].items():
        f = bench["floor"]
        lines.append(f"- {name} floor: {f['total_s']:.1f} s for {f['inputs']} inputs of {f['tasks']} tasks in one "
                     f"process (runs: {', '.join(f'{t:.1f}' for t in f['all_totals_s'])}; slowest task "
                     f"{f['slowest_task']}: {f['slowest_task_s']:.1f} s); "
                     f"warm-up (untimed): {bench['warm']}")
    lines += ["", "Verdict differences (EvalPlus first run vs ours first run):", ""]
    lines += diff_lines(results, "disagreements", lambda d: f"EvalPlus `{d['evalplus']}` vs ours `{d['ours']}`"
                        f"; EvalPlus failing input: `{d['evalplus_failing_input']}`"
                        f"; ours first failure: `{d['ours_first_failure']}`") or ["- none"]
    lines += ["", "Verdicts that changed between repeated runs:", ""]
    lines += (diff_lines(results, "flaky_evalplus", lambda d: f"EvalPlus runs: {d['runs']}")
              + diff_lines(results, "flaky_ours", lambda d: f"ours runs: {d['runs']}")) or ["- none"]
    return "\n".join(lines)


def diff_lines(results: dict, key: str, describe) -> list[str]:
    lines = []
    for name, bench in results["benchmarks"].items():
        for entry in bench["sets"]:
            for d in entry[key]:
                lines.append(f"- {name} {entry['set']} {d['task_id']} ({d['mutation']}): {describe(d)}")
    return lines
