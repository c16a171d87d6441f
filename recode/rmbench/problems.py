"""Where the build's problems come from: an evaluation benchmark with dates (LiveCodeBench, LeetCodeDataset, ...
from `recode.datasets`) or a training task set (`recode.tasks.load_tasks`: a source name or a task JSONL).

Both become `BenchProblem`s: the chat that asks for reasoning + solution, the problem text the RM reads, the
difficulty and date used for filtering and breakdowns, and how a program becomes a sandbox job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from recode.io import DataError
from recode.sandbox import Job
from recode.text import SYSTEM_PROMPTS


@dataclass
class BenchProblem:
    task_id: str
    problem: str  # what the RM (and the review page) reads as the problem
    messages: list[dict[str, str]]  # the generator's chat
    difficulty: str | None
    date: str | None  # YYYY-MM-DD
    make_job: Callable[[str, str], Job]  # (code, job id) -> a job running every test (no fail-fast)
    starter_code: str = ""  # the code to complete, if the problem has one (for `prefill: starter_code`)


def _from_benchmark(spec: str) -> tuple[list[BenchProblem], Callable]:
    from recode.datasets import get_benchmark

    bench = get_benchmark(spec)
    if getattr(bench, "domain", "code") != "code":
        raise DataError(f"{spec}: a {bench.domain} benchmark; the reasoning benchmark needs code problems")
    missing = getattr(bench, "missing_modules", lambda p: [])
    out = []
    for task_id, p in bench.problems.items():
        if missing(p):
            continue  # its tests need modules this interpreter lacks: every sample would fail for that reason
        raw = p.raw or {}
        buckets = bench.buckets(p)
        date = raw.get("estimated_date") or raw.get("contest_date") or raw.get("date")
        date = str(date)[:10] if date else (f"{buckets['month']}-01" if buckets.get("month") else None)
        prompt = bench.user_prompt(p)
        messages = [{"role": "system", "content": SYSTEM_PROMPTS["code"]}, {"role": "user", "content": prompt}]
        difficulty = raw.get("difficulty") or buckets.get("difficulty")
        out.append(BenchProblem(task_id, prompt, messages, str(difficulty).capitalize() if difficulty else None,
                                date, lambda code, job_id, p=p: bench.make_job(p, code, False, job_id),
                                str(raw.get("starter_code") or "")))

    def prepare(pool, task_ids: list[str]) -> None:
        bench.prepare(pool, task_ids)  # reference runs: per-test time limits, as the benchmark's own scoring

    return out, prepare


def _from_tasks(spec: str) -> tuple[list[BenchProblem], Callable]:
    from recode.tasks import load_tasks

    out = []
    for t in load_tasks(spec):
        if t.domain != "code":
            continue
        date = t.meta.get("date")
        out.append(BenchProblem(t.task_id, t.user_prompt(), t.messages(), t.meta.get("difficulty"),
                                str(date)[:10] if date else None,
                                lambda code, job_id, t=t: t.sandbox_job(code, fail_fast=False, job_id=job_id),
                                t.starter_code))
    return out, lambda pool, task_ids: None


def load_problems(spec: str) -> tuple[list[BenchProblem], Callable]:
    """(problems, prepare(pool, task_ids)) for a benchmark spec (`leetcodedataset`,
    `livecodebench:release=v6`) or a task source / task JSONL (`mbpp-train`, `tasks.jsonl`)."""
    from recode.datasets import BENCHMARKS
    from recode.task_sources import SOURCES

    name = spec.split(":", 1)[0].lower()
    if name in BENCHMARKS and spec not in SOURCES:
        return _from_benchmark(spec)
    return _from_tasks(spec)
