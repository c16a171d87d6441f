"""`recode rmbench build`: problems -> N reasoning+solution samples each -> execution -> candidate pairs ->
(judge) -> length balancing -> candidates file and the review page.

Files written to the output folder (schemas in docs/rmbench.md):

- `samples.jsonl`: one line per generated sample (task_id, sample index, completion); a rerun reuses it;
- `executions.jsonl`: each sample parsed (reasoning, code) and run against the tests (passed, pass_rate, status);
- `candidates.jsonl`: the candidate pairs (header + pairs), judge verdicts included; input of the review;
- `screened_out.jsonl`: pairs the judge did not confirm (with its rationale), for the record;
- `review.html`: the self-contained review page; `build_report.json`: counts and timings of every step.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path

from recode.io import DataError, read_jsonl, write_json, write_jsonl
from recode.rmbench.config import JUDGED_MODES, BuildConfig
from recode.rmbench.pairing import balance_lengths, orientation, problem_candidates, select_pairs, swap
from recode.rmbench.pairs import Pair, make_header, write_pairs
from recode.tasks import Task, load_tasks
from recode.text import parse_completion

_DIFFICULTY_RANK = {"easy": 0, "medium": 1, "hard": 2}


def select_problems(tasks: list[Task], cfg: BuildConfig) -> list[Task]:
    """Code tasks inside the date window and difficulties, in `problem_order`, at most `max_problems`."""
    out = []
    for t in tasks:
        date = t.meta.get("date")
        if t.domain != "code":
            continue
        if (cfg.date_from or cfg.date_to) and not date:
            raise DataError(f"task {t.task_id}: has no meta.date, so the date window "
                            f"{cfg.date_from or '...'}..{cfg.date_to or '...'} cannot be applied")
        if (cfg.date_from and date < cfg.date_from) or (cfg.date_to and date > cfg.date_to):
            continue
        if cfg.difficulties and (t.meta.get("difficulty") or "").lower() not in {d.lower() for d in cfg.difficulties}:
            continue
        out.append(t)
    if cfg.problem_order == "easiest":
        out.sort(key=lambda t: (_DIFFICULTY_RANK.get((t.meta.get("difficulty") or "").lower(), 3),
                                t.meta.get("date") or "", t.task_id))
    elif cfg.problem_order == "newest":
        out.sort(key=lambda t: t.meta.get("date") or "", reverse=True)
    return out[:cfg.max_problems] if cfg.max_problems else out


def make_generator_from(backend: str, model: str, base_url: str | None, api_key_env: str, device: str,
                        batch_size: int):
    from recode.generate import make_generator

    if backend == "openai":
        return make_generator("openai", model, base_url=base_url, api_key=os.environ.get(api_key_env))
    return make_generator(backend, model, device=device, batch_size=batch_size)


def sample_problems(tasks: list[Task], cfg: BuildConfig, path: Path, on_progress=None) -> list[dict]:
    """`n_samples` completions per task, appended to `path` one problem chunk at a time, so a rerun after a kill
    only generates the problems still missing (lines written under another sampling config are ignored)."""
    from recode.generate import SamplingConfig

    sampling = SamplingConfig(n=cfg.n_samples, temperature=cfg.temperature, top_p=cfg.top_p,
                              max_new_tokens=cfg.max_new_tokens, seed=cfg.seed)
    key = f"{cfg.generator}|{sampling.key()}"
    done: dict[str, list[dict]] = defaultdict(list)
    if path.exists():
        for r in read_jsonl(path, required=("task_id", "sample", "completion", "key")):
            if r["key"] == key:
                done[r["task_id"]].append(r)
    todo = [t for t in tasks if len(done[t.task_id]) < cfg.n_samples]
    if todo:
        chunk = max(1, cfg.batch_size // cfg.n_samples)
        with make_generator_from(cfg.generator_backend, cfg.generator, cfg.generator_base_url,
                                 cfg.generator_api_key_env, cfg.device, cfg.batch_size) as gen:
            for start in range(0, len(todo), chunk):
                part = todo[start:start + chunk]
                outs = gen.generate([t.messages() for t in part], sampling)
                rows = [{"task_id": t.task_id, "sample": i, "completion": c, "key": key}
                        for t, cs in zip(part, outs) for i, c in enumerate(cs)]
                with open(path, "a", encoding="utf-8") as f:  # append: a kill loses one chunk at most
                    f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
                for r in rows:
                    done[r["task_id"]].append(r)
                if on_progress:
                    on_progress(min(start + chunk, len(todo)), len(todo))
    return [r for t in tasks for r in sorted(done[t.task_id], key=lambda r: r["sample"])[:cfg.n_samples]]


def execute_samples(tasks: dict[str, Task], samples: list[dict], cfg: BuildConfig) -> list[dict]:
    """Parse each completion and run its code against every test (no fail-fast: pass rates are needed)."""
    from recode.reward.verifiers import CodeVerifier

    parsed = [parse_completion(s["completion"], "code") for s in samples]
    verifier = CodeVerifier(workers=cfg.sandbox_workers, isolation=cfg.isolation)
    try:
        verdicts = verifier.verify([(tasks[s["task_id"]], p.code) for s, p in zip(samples, parsed)],
                                   fail_fast=False)
    finally:
        verifier.close()
    return [{"task_id": s["task_id"], "sample": s["sample"], "reasoning": p.reasoning or "", "code": p.code,
             "format_ok": p.format_ok, "passed": v.out == 1.0, "pass_rate": v.pass_rate, "status": v.status,
             "n_tests": v.n_tests, "n_passed": v.n_passed, "detail": v.detail}
            for s, p, v in zip(samples, parsed, verdicts)]


def judge_pairs(pairs: list[Pair], cfg: BuildConfig, report: dict) -> tuple[list[Pair], list[Pair]]:
    """Orient the judged modes by the judge's verdict and, with `screen: confirm`, keep only pairs the judge
    confirms. Returns (kept, screened out); every pair carries the judge's verdicts and rationales."""
    from recode.rmbench.judge import PairJudge

    needs = [p for p in pairs if cfg.screen != "off" or p.mode in JUDGED_MODES]
    if not needs:
        return pairs, []
    with make_generator_from(cfg.judge_backend, cfg.judge_model, cfg.judge_base_url, cfg.judge_api_key_env,
                             cfg.device, cfg.batch_size) as gen:
        results = PairJudge(gen, cfg.judge_max_new_tokens).judge(needs)
    by_id = {p.pair_id: r for p, r in zip(needs, results)}
    kept, out = [], []
    for p in pairs:
        r = by_id.get(p.pair_id)
        if r is None:
            kept.append(p)
            continue
        p.judge = r.to_dict(cfg.judge_model)
        if p.mode in JUDGED_MODES and r.outcome <= 1.0 - cfg.screen_min_outcome:
            swap(p)  # the judge prefers the other side in both orders: it becomes the chosen one
            p.judge["swapped"] = True
            kept.append(p)
        elif r.outcome >= cfg.screen_min_outcome:
            kept.append(p)
        else:
            out.append(p)
    report["judge"] = {"model": cfg.judge_model, "judged": len(needs), "kept": len(kept) - (len(pairs) - len(needs)),
                       "screened_out": len(out)}
    return kept, out


def _timed(report: dict, step: str, start: float) -> None:
    report.setdefault("seconds", {})[step] = round(time.monotonic() - start, 1)


def build(cfg: BuildConfig, out_dir: str | os.PathLike, on_progress=None) -> dict:
    """Run every step; returns the build report (also written to build_report.json)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(cfg.seed)
    report: dict = {"config": cfg.to_dict()}
    t0 = time.monotonic()
    tasks = select_problems(load_tasks(cfg.tasks), cfg)
    if not tasks:
        raise DataError(f"{cfg.tasks}: no code problems left after the date/difficulty filters")
    by_id = {t.task_id: t for t in tasks}
    report["problems"] = len(tasks)
    samples = sample_problems(tasks, cfg, out / "samples.jsonl", on_progress)
    _timed(report, "generate", t0)
    t0 = time.monotonic()
    executions = execute_samples(by_id, samples, cfg)
    write_jsonl(out / "executions.jsonl", executions)
    _timed(report, "execute", t0)
    report["samples"] = _sample_stats(executions)
    grouped: dict[str, list[dict]] = defaultdict(list)
    for e in executions:
        grouped[e["task_id"]].append(e)
    candidates = {tid: problem_candidates(by_id[tid], es, cfg) for tid, es in grouped.items()}
    report["candidates_by_mode"] = _count(m for cs in candidates.values() for m, _, _ in cs)
    pairs = select_pairs(by_id, candidates, cfg, rng)
    report["selected"] = len(pairs)
    t0 = time.monotonic()
    pairs, screened = judge_pairs(pairs, cfg, report)
    _timed(report, "judge", t0)
    if cfg.length_balance:
        pairs, report["dropped_for_length_balance"] = balance_lengths(pairs, cfg.length_balance_tolerance, rng)
    report["pairs"] = len(pairs)
    report["pairs_by_mode"] = _count(p.mode for p in pairs)
    report["chosen_longer"] = sum(orientation(p.chosen.words, p.rejected.words) > 0 for p in pairs)
    report["chosen_shorter"] = sum(orientation(p.chosen.words, p.rejected.words) < 0 for p in pairs)
    header = make_header(cfg.name, cfg.version, provenance(cfg, tasks), {"pairs": len(pairs)})
    write_pairs(out / "candidates.jsonl", pairs, header)
    write_jsonl(out / "screened_out.jsonl", [p.to_dict() for p in screened])
    from recode.rmbench.review import write_review_page

    write_review_page(out / "review.html", header, pairs)
    write_json(out / "build_report.json", report)
    return report


def provenance(cfg: BuildConfig, tasks: list[Task]) -> dict:
    dates = sorted(t.meta["date"] for t in tasks if t.meta.get("date"))
    return {"tasks": cfg.tasks, "generator": {"backend": cfg.generator_backend, "model": cfg.generator,
                                              "n_samples": cfg.n_samples, "temperature": cfg.temperature,
                                              "top_p": cfg.top_p, "max_new_tokens": cfg.max_new_tokens,
                                              "seed": cfg.seed},
            "judge": {"backend": cfg.judge_backend, "model": cfg.judge_model, "screen": cfg.screen}
            if cfg.judge_model else None,
            "modes": cfg.modes, "problem_dates": [dates[0], dates[-1]] if dates else None,
            "date_window": [cfg.date_from, cfg.date_to], "difficulties": cfg.difficulties,
            "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return dict(sorted(counts.items()))


def _sample_stats(executions: list[dict]) -> dict:
    solved = {e["task_id"] for e in executions if e["passed"]}
    return {"total": len(executions), "format_ok": sum(e["format_ok"] for e in executions),
            "with_code": sum(e["code"] is not None for e in executions),
            "passed": sum(e["passed"] for e in executions),
            "some_tests_passed": sum(e["pass_rate"] > 0 for e in executions),
            "problems_with_a_pass": len(solved), "status": _count(e["status"] for e in executions)}
