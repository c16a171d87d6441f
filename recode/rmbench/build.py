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
import re
import time
from collections import defaultdict
from pathlib import Path

from recode.io import DataError, read_jsonl, write_json, write_jsonl
from recode.rmbench.config import JUDGED_MODES, BuildConfig
from recode.rmbench.pairing import balance_lengths, orientation, problem_candidates, select_pairs, swap
from recode.rmbench.pairs import Pair, make_header, write_pairs
from recode.rmbench.problems import BenchProblem, load_problems
from recode.text import parse_completion, strip_trailing_special

_DIFFICULTY_RANK = {"easy": 0, "medium": 1, "hard": 2}
_FENCED = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_TAG = re.compile(r"</?(?:think|answer)>")


def reasoning_of(text: str, parsed, source: str) -> str:
    r"""The sample's reasoning: its <think> block; with `think_or_prose` and no complete block, the prose of the
    completion (code blocks and tags removed), which is how small models explain their code.

    Example:
        >>> reasoning_of("Use a loop.\n```python\nx = 1\n```\nIt sums.", parse_completion("x"), "think_or_prose")
        'Use a loop.\n\nIt sums.'
    """
    if parsed.reasoning or source == "think":
        return parsed.reasoning or ""
    return _TAG.sub("", _FENCED.sub("", strip_trailing_special(text))).strip()


def select_problems(problems: list[BenchProblem], cfg: BuildConfig) -> list[BenchProblem]:
    """Problems inside the date window and difficulties, in `problem_order`, at most `max_problems`."""
    out = []
    wanted = {d.lower() for d in cfg.difficulties}
    for p in problems:
        if (cfg.date_from or cfg.date_to) and not p.date:
            raise DataError(f"problem {p.task_id}: has no date, so the date window "
                            f"{cfg.date_from or '...'}..{cfg.date_to or '...'} cannot be applied")
        if (cfg.date_from and p.date < cfg.date_from) or (cfg.date_to and p.date > cfg.date_to):
            continue
        if wanted and (p.difficulty or "").lower() not in wanted:
            continue
        out.append(p)
    if cfg.problem_order == "easiest":
        out.sort(key=lambda p: (_DIFFICULTY_RANK.get((p.difficulty or "").lower(), 3), p.date or "", p.task_id))
    elif cfg.problem_order == "newest":
        out.sort(key=lambda p: p.date or "", reverse=True)
    return out[:cfg.max_problems] if cfg.max_problems else out


def make_generator_from(backend: str, model: str, base_url: str | None, api_key_env: str, device: str,
                        batch_size: int):
    from recode.generate import make_generator

    if backend == "openai":
        return make_generator("openai", model, base_url=base_url, api_key=os.environ.get(api_key_env))
    return make_generator(backend, model, device=device, batch_size=batch_size)


def sampling_of(cfg: BuildConfig):
    from recode.generate import SamplingConfig

    return SamplingConfig(n=cfg.n_samples, temperature=cfg.temperature, top_p=cfg.top_p,
                          max_new_tokens=cfg.max_new_tokens, seed=cfg.seed)


def sample_key(cfg: BuildConfig) -> str:
    """What a cached sample was generated with: the generator, the prefill and the decoding settings."""
    prefill = f"|prefill={cfg.prefill}" if cfg.prefill != "none" else ""
    return f"{cfg.generator}{prefill}|{sampling_of(cfg).key()}"


def prefix_of(problem: BenchProblem, cfg: BuildConfig) -> str:
    """The start of the reply written for the model (empty without a prefill or without starter code)."""
    if cfg.prefill == "starter_code" and problem.starter_code.strip():
        return f"```python\n{problem.starter_code}"
    return ""


def chat_of(problem: BenchProblem, cfg: BuildConfig) -> list[dict[str, str]]:
    prefix = prefix_of(problem, cfg)
    return problem.messages + ([{"role": "assistant", "content": prefix}] if prefix else [])


def sample_problems(tasks: list[BenchProblem], cfg: BuildConfig, path: Path, on_progress=None) -> list[dict]:
    """`n_samples` completions per task, appended to `path` one problem chunk at a time, so a rerun after a kill
    only generates the problems still missing (lines written under another sampling config are ignored)."""
    sampling = sampling_of(cfg)
    key = sample_key(cfg)
    done: dict[str, list[dict]] = defaultdict(list)
    if path.exists():
        for r in read_jsonl(path, required=("task_id", "sample", "completion", "key")):
            if r["key"] == key:
                done[r["task_id"]].append(r)
    todo = [t for t in tasks if len(done[t.task_id]) < cfg.n_samples]
    if todo:
        if cfg.threads:
            import torch

            torch.set_num_threads(cfg.threads)
        chunk = max(1, cfg.batch_size // cfg.n_samples)
        with make_generator_from(cfg.generator_backend, cfg.generator, cfg.generator_base_url,
                                 cfg.generator_api_key_env, cfg.device, cfg.batch_size) as gen:
            for start in range(0, len(todo), chunk):
                part = todo[start:start + chunk]
                outs = gen.generate([chat_of(t, cfg) for t in part], sampling)
                rows = [{"task_id": t.task_id, "sample": i, "completion": c, "key": key}
                        for t, cs in zip(part, outs) for i, c in enumerate(cs)]
                with open(path, "a", encoding="utf-8") as f:  # append: a kill loses one chunk at most
                    f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
                for r in rows:
                    done[r["task_id"]].append(r)
                if on_progress:
                    on_progress(min(start + chunk, len(todo)), len(todo))
    return [r for t in tasks for r in sorted(done[t.task_id], key=lambda r: r["sample"])[:cfg.n_samples]]


def _parses(code: str | None) -> bool:
    """Whether the program is valid Python (compiled here, never run)."""
    if code is None:
        return False
    try:
        compile(code, "<sample>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def execute_samples(problems: dict[str, BenchProblem], samples: list[dict], cfg: BuildConfig,
                    prepare=None) -> list[dict]:
    """Parse each completion and run its code against every test (no fail-fast: pass rates are needed).
    `prepare(pool, task_ids)` runs first (a benchmark's reference runs, which set per-test time limits)."""
    from recode.sandbox import SandboxPool, Status

    texts = [prefix_of(problems[s["task_id"]], cfg) + s["completion"] for s in samples]
    parsed = [parse_completion(t, "code") for t in texts]
    runnable = [i for i, p in enumerate(parsed) if p.code is not None]
    with SandboxPool(workers=cfg.sandbox_workers or None, isolation=cfg.isolation) as pool:
        if prepare:
            prepare(pool, sorted({samples[i]["task_id"] for i in runnable}))
        jobs = [problems[samples[i]["task_id"]].make_job(parsed[i].code, f"{samples[i]['task_id']}#{i}")
                for i in runnable]
        results = dict(zip(runnable, pool.run_batch(jobs))) if jobs else {}
    rows = []
    for i, (s, p) in enumerate(zip(samples, parsed)):
        row = {"task_id": s["task_id"], "sample": s["sample"],
               "reasoning": reasoning_of(texts[i], p, cfg.reasoning_source), "code": p.code,
               "format_ok": p.format_ok, "passed": False, "pass_rate": 0.0, "status": "no_code", "n_tests": 0,
               "n_passed": 0, "errors": None, "parses": _parses(p.code), "detail": None}
        r = results.get(i)
        if r is not None:
            n, passed = len(r.tests), sum(v.status is Status.PASS for v in r.tests)
            # Tests that raised, timed out or died, plus 1 if the program did not even load: "errors".
            errors = sum(v.status not in (Status.PASS, Status.FAIL, Status.SKIPPED) for v in r.tests) + \
                (1 if r.setup_error else 0)
            row.update(passed=r.passed, pass_rate=passed / n if n else 0.0, status=str(r.status), n_tests=n,
                       n_passed=passed, errors=errors, detail=(r.setup_error or str((r.first_failure or {}).get("detail") or ""))[:300]
                       or None)
        rows.append(row)
    return rows


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
    problems, prepare = load_problems(cfg.tasks)
    tasks = select_problems(problems, cfg)
    if not tasks:
        raise DataError(f"{cfg.tasks}: no code problems left after the date/difficulty filters")
    by_id = {t.task_id: t for t in tasks}
    report["problems"] = len(tasks)
    samples = sample_problems(tasks, cfg, out / "samples.jsonl", on_progress)
    _timed(report, "generate", t0)
    t0 = time.monotonic()
    executions = execute_samples(by_id, samples, cfg, prepare)
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


def provenance(cfg: BuildConfig, tasks: list[BenchProblem]) -> dict:
    dates = sorted(t.date for t in tasks if t.date)
    return {"tasks": cfg.tasks, "generator": {"backend": cfg.generator_backend, "model": cfg.generator,
                                              "n_samples": cfg.n_samples, "temperature": cfg.temperature,
                                              "top_p": cfg.top_p, "max_new_tokens": cfg.max_new_tokens,
                                              "seed": cfg.seed, "prefill": cfg.prefill,
                                              "reasoning_source": cfg.reasoning_source},
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
