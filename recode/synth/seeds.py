"""Seeds: reasoning that led to a verified solution, one generator for all (the paper's single-generator setup).

Modes (`seed_mode`, recorded on every seed as `mode`):

- free: the generator answers the problem as the policy would (`<think>` + `<answer>`), `seed_samples` times
  (`seed_samples_short` on short problems); a sample is a seed only when its code passes every test in the
  sandbox (math: its final answer verifies with math-verify).
- reference: the generator is shown the problem and a known-correct solution (math: the final answer) and
  writes the reasoning that leads to it. The artifact of the seed is the reference solution, which is run
  against the tests too (a broken reference is no seed). For generators too weak to solve the problems.
- free+reference: free first; problems without a passing free sample get a reference-guided seed.

A seed's reasoning is its `<think>` block or, in a reply without tags, the prose before the first code block
(`prose_reasoning`); it needs at least `min_reasoning_words` words. Up to `seeds_per_problem` seeds with distinct
reasoning are kept per problem. Row of seeds.jsonl:

    {"seed_id": "Mbpp/601#free2", "task_id": "Mbpp/601", "domain": "code", "mode": "free", "sample_index": 2,
     "problem": "<task.user_prompt()>", "reasoning": "...", "artifact": "<program or final answer>",
     "format_ok": false, "generator": "smollm2", "prompt_version": "crpl-v1", "verdict": {"status": "pass", "n_passed": 3, "n_tests": 3}}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from recode.synth.config import SynthConfig
from recode.synth.prompts import PROMPT_VERSION, free_seed_messages, reference_seed_messages
from recode.tasks import Task
from recode.text import parse_completion

# (keys, chats, n, temperature, max_new_tokens, label) -> n completions per chat; see recode/synth/llm.py
GenerateFn = Callable[[list[str], list[list[dict]], int, float, int, str], list[list[str]]]


@dataclass
class Candidate:
    task: Task
    mode: str
    index: int
    reasoning: str | None
    artifact: str | None
    format_ok: bool | None  # free mode: the reply had the <think>/<answer> format (reference mode: None)


def prose_reasoning(text: str, domain: str) -> str | None:
    """The reasoning of a reply: its <think> block; without tags, the prose before the first code block.

    Small generators often skip the tags or paste code after the explanation; the RM must see reasoning only,
    so code is never part of a seed's reasoning (quality.py would count it as a leak in every rewrite).

    Example:
        >>> prose_reasoning("Sort, then take the middle.\\n```python\\nx = 1\\n```", "code")
        'Sort, then take the middle.'
    """
    parsed = parse_completion(text, domain)
    reasoning = parsed.reasoning
    if reasoning is None:
        if any(tag in text for tag in ("<think>", "</think>", "<answer>", "</answer>")):
            return None  # a broken tag structure: not trustworthy as reasoning
        reasoning = text
    cut = re.search(r"^[ \t]*(```|~~~)", reasoning, re.MULTILINE)
    reasoning = (reasoning[:cut.start()] if cut else reasoning).strip()
    return reasoning or None


def free_candidates(tasks: list[Task], cfg: SynthConfig, generate: GenerateFn) -> list[Candidate]:
    counts = [cfg.samples_for(len(t.user_prompt().split())) for t in tasks]
    out = []
    # One call per sample count, so each call has a single n (the generator batches it).
    for n in sorted(set(counts)):
        group = [t for t, c in zip(tasks, counts) if c == n]
        outs = generate([f"seed:free:{t.task_id}" for t in group], [free_seed_messages(t) for t in group], n,
                        cfg.seed_temperature, cfg.seed_max_new_tokens, f"seeds (free, n={n})")
        for task, texts in zip(group, outs):
            for i, text in enumerate(texts):
                parsed = parse_completion(text, task.domain)
                artifact = parsed.code if task.domain == "code" else parsed.final_answer
                out.append(Candidate(task, "free", i, prose_reasoning(text, task.domain), artifact, parsed.format_ok))
    return out


def reference_candidates(tasks: list[Task], cfg: SynthConfig, generate: GenerateFn) -> list[Candidate]:
    tasks = [t for t in tasks if t.solution]
    outs = generate([f"seed:reference:{t.task_id}" for t in tasks], [reference_seed_messages(t) for t in tasks], 1,
                    cfg.seed_temperature, cfg.seed_max_new_tokens, "seeds (reference-guided)")
    artifact = {"code": lambda t: t.solution, "math": lambda t: t.tests.answer}
    return [Candidate(t, "reference", 0, prose_reasoning(texts[0], t.domain), artifact[t.domain](t), None)
            for t, texts in zip(tasks, outs)]


def verify(candidates: list[Candidate], verifiers: dict) -> list:
    """One Verdict per candidate (recode.reward.verifiers), grouped by domain, in order."""
    verdicts: list = [None] * len(candidates)
    for domain in sorted({c.task.domain for c in candidates}):
        idx = [i for i, c in enumerate(candidates) if c.task.domain == domain]
        results = verifiers[domain].verify([(candidates[i].task, candidates[i].artifact) for i in idx])
        for i, v in zip(idx, results):
            verdicts[i] = v
    return verdicts


def select(candidates: list[Candidate], verdicts: list, cfg: SynthConfig, report: dict) -> list[dict]:
    """Passing candidates with enough reasoning, at most seeds_per_problem distinct ones per problem."""
    seeds, kept = [], {}
    for cand, verdict in zip(candidates, verdicts):
        key = f"{cand.mode}:{'pass' if verdict.out == 1.0 else 'fail'}"
        report["verdicts"][key] = report["verdicts"].get(key, 0) + 1
        if verdict.out != 1.0:
            continue
        if not cand.reasoning or len(cand.reasoning.split()) < cfg.min_reasoning_words:
            report["short_reasoning"] += 1
            continue
        have = kept.setdefault(cand.task.task_id, set())
        if len(have) >= cfg.seeds_per_problem or cand.reasoning.strip() in have:
            continue
        have.add(cand.reasoning.strip())
        seeds.append({"seed_id": f"{cand.task.task_id}#{cand.mode}{cand.index}", "task_id": cand.task.task_id,
                      "domain": cand.task.domain, "mode": cand.mode, "sample_index": cand.index,
                      "problem": cand.task.user_prompt(), "reasoning": cand.reasoning.strip(),
                      "artifact": cand.artifact, "format_ok": cand.format_ok, "generator": cfg.model,
                      "prompt_version": PROMPT_VERSION,
                      "verdict": {"status": verdict.status, "n_passed": verdict.n_passed,
                                  "n_tests": verdict.n_tests}})
    return seeds


def make_seeds(tasks: list[Task], cfg: SynthConfig, generate: GenerateFn, verifiers: dict) -> tuple[list[dict], dict]:
    """(seed rows, report). `verifiers`: domain -> object with verify([(task, artifact)]) (recode.reward.verifiers)."""
    report = {"problems": len(tasks), "verdicts": {}, "short_reasoning": 0}
    seeds: list[dict] = []
    if cfg.seed_mode in ("free", "free+reference"):
        cands = free_candidates(tasks, cfg, generate)
        seeds += select(cands, verify(cands, verifiers), cfg, report)
    if cfg.seed_mode in ("reference", "free+reference"):
        have = {s["task_id"] for s in seeds}
        rest = [t for t in tasks if t.task_id not in have]
        cands = reference_candidates(rest, cfg, generate)
        seeds += select(cands, verify(cands, verifiers), cfg, report)
    report["seeds"] = len(seeds)
    report["seeds_by_mode"] = {m: sum(s["mode"] == m for s in seeds) for m in ("free", "reference")}
    report["problems_with_seed"] = len({s["task_id"] for s in seeds})
    return seeds, report
