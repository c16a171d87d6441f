"""From executed samples to candidate pairs: which two samples of one problem make a pair, and which pairs to keep
so that the benchmark cannot be won by preferring the longer reasoning.

Modes (`BuildConfig.modes`):

| mode                 | chosen                      | rejected                                  |
|----------------------|-----------------------------|-------------------------------------------|
| `pass_fail`          | solution passes every test  | solution fails (runs, but is wrong/slow)  |
| `pass_rate`          | passes at least `min_pass_rate_gap` more of the tests (neither need pass all)   |
| `exec_tier`          | a higher execution tier (below), passing at least as many tests                 |

Execution tiers, from worst: 0 the code does not parse; 1 it parses but raises (at load or in tests), times out
or dies; 2 it runs every test without an error but answers wrongly; 3 it passes some tests; 4 it passes all.
`exec_tier` is the weakest signal, for generators that solve almost nothing (a program that parses over one
that does not); `pair_mode` prefers the stronger modes when a pair qualifies for several.
| `judge_both_pass`    | both pass: the LLM judge decides which reasoning is better (both orders agree)  |
| `judge_same_outcome` | same pass rate, not all passing: the judge decides                              |

A sample takes part only with a reasoning of at least `min_reasoning_words` words and, with `require_code`,
code that was executed. Identical reasonings of one problem count once.
"""

from __future__ import annotations

import random
from collections import defaultdict

from recode.rmbench.config import BuildConfig
from recode.rmbench.pairs import Pair, Side


def eligible(executions: list[dict], cfg: BuildConfig) -> list[dict]:
    """The samples of one problem that may appear in a pair (first of each distinct reasoning)."""
    seen, out = set(), []
    for e in executions:
        reasoning = (e.get("reasoning") or "").strip()
        if len(reasoning.split()) < cfg.min_reasoning_words or reasoning in seen:
            continue
        if cfg.require_code and (e.get("code") is None or e["status"] == "no_code"):
            continue
        seen.add(reasoning)
        out.append(e)
    return out


def exec_tier(e: dict) -> int:
    """0 does not parse, 1 raises/times out, 2 runs but wrong, 3 passes some tests, 4 passes all (see above)."""
    if e["passed"]:
        return 4
    if e["pass_rate"] > 0:
        return 3
    if e.get("errors") == 0:
        return 2
    return 1 if e.get("parses") else 0


def pair_mode(a: dict, b: dict, cfg: BuildConfig) -> str | None:
    """The mode under which `a` (chosen) over `b` (rejected) is a pair, or None."""
    if "pass_fail" in cfg.modes and a["passed"] and not b["passed"]:
        return "pass_fail"
    if "pass_rate" in cfg.modes and a["pass_rate"] - b["pass_rate"] >= cfg.min_pass_rate_gap - 1e-9:
        return "pass_rate"
    if "exec_tier" in cfg.modes and exec_tier(a) > exec_tier(b) and a["pass_rate"] >= b["pass_rate"]:
        return "exec_tier"
    return None


def unordered_mode(a: dict, b: dict, cfg: BuildConfig) -> str | None:
    """A judged mode for {a, b} (the judge orients it later), or None."""
    if "judge_both_pass" in cfg.modes and a["passed"] and b["passed"]:
        return "judge_both_pass"
    if "judge_same_outcome" in cfg.modes and not a["passed"] and not b["passed"] and \
            a["pass_rate"] == b["pass_rate"]:
        return "judge_same_outcome"
    return None


def _side(e: dict) -> Side:
    return Side(e["reasoning"].strip(), e.get("code"), bool(e["passed"]), float(e["pass_rate"]), e["status"],
                e["sample"], e.get("detail"))


def _words(e: dict) -> int:
    return len(e["reasoning"].split())


def _ratio_ok(a: dict, b: dict, max_ratio: float) -> bool:
    if not max_ratio:
        return True
    lo, hi = sorted((_words(a), _words(b)))
    return hi <= max_ratio * max(lo, 1)


def problem_candidates(task, executions: list[dict], cfg: BuildConfig) -> list[tuple[str, dict, dict]]:
    """Every (mode, chosen, rejected) of one problem allowed by the modes and the length-ratio limit."""
    pool = eligible(executions, cfg)
    out = []
    for i, a in enumerate(pool):
        for j, b in enumerate(pool):
            if i == j or not _ratio_ok(a, b, cfg.max_length_ratio):
                continue
            mode = pair_mode(a, b, cfg)
            if mode is None and i < j:
                mode = unordered_mode(a, b, cfg)
            if mode:
                out.append((mode, a, b))
    return out


def orientation(chosen_words: int, rejected_words: int) -> int:
    """+1: the chosen reasoning is longer; -1: shorter; 0: same length."""
    return (chosen_words > rejected_words) - (chosen_words < rejected_words)


def select_pairs(tasks: dict, candidates: dict[str, list[tuple[str, dict, dict]]], cfg: BuildConfig,
                 rng: random.Random) -> list[Pair]:
    """Pick up to `max_pairs_per_problem` pairs per problem, each sample in at most `max_sample_uses` of them.

    Picks are greedy over problems in order; among a problem's candidates, those whose length orientation is
    the rarer one so far come first, so the pairs lean neither way before the final balancing."""
    balance = 0  # (#chosen longer) - (#chosen shorter) so far
    pairs = []
    for task_id, cands in candidates.items():
        cands = cands[:]
        rng.shuffle(cands)
        uses: dict[int, int] = defaultdict(int)
        picked = 0
        while picked < cfg.max_pairs_per_problem:
            usable = [c for c in cands if uses[c[1]["sample"]] < cfg.max_sample_uses and
                      uses[c[2]["sample"]] < cfg.max_sample_uses]
            if not usable:
                break
            # The judged modes are oriented later, so their length orientation does not count yet.
            best = min(usable, key=lambda c: 0 if c[0].startswith("judge_") else
                       orientation(_words(c[1]), _words(c[2])) * (1 if balance >= 0 else -1))
            cands.remove(best)
            mode, a, b = best
            uses[a["sample"]] += 1
            uses[b["sample"]] += 1
            picked += 1
            if not mode.startswith("judge_"):
                balance += orientation(_words(a), _words(b))
            pairs.append(make_pair(tasks[task_id], mode, a, b))
    return pairs


def make_pair(task, mode: str, a: dict, b: dict) -> Pair:
    return Pair(f"{task.task_id}:{a['sample']}>{b['sample']}", task.problem, _side(a), _side(b),
                task_id=task.task_id, mode=mode, difficulty=task.difficulty, date=task.date)


def balance_lengths(pairs: list[Pair], tolerance: float, rng: random.Random) -> tuple[list[Pair], int]:
    """Drop pairs of the majority orientation (chosen longer vs shorter) until the two differ by at most
    `tolerance` x pairs, taking from the problems with the most pairs first. Returns (kept, dropped count)."""
    kept = list(pairs)
    dropped = 0
    while kept:
        signs = [orientation(p.chosen.words, p.rejected.words) for p in kept]
        excess = sum(signs)
        if abs(excess) <= tolerance * len(kept):
            break
        majority = 1 if excess > 0 else -1
        per_task: dict[str, int] = defaultdict(int)
        for p in kept:
            per_task[p.task_id] += 1
        idx = [i for i, s in enumerate(signs) if s == majority]
        top = max(per_task[kept[i].task_id] for i in idx)
        victim = rng.choice([i for i in idx if per_task[kept[i].task_id] == top])
        kept.pop(victim)
        dropped += 1
    return kept, dropped


def swap(pair: Pair) -> Pair:
    pair.chosen, pair.rejected = pair.rejected, pair.chosen
    head, _, tail = pair.pair_id.rpartition(":")
    a, b = tail.split(">")
    pair.pair_id = f"{head}:{b}>{a}"
    return pair
