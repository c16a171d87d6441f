"""Triples -> preference pairs in TRL's format, split by problem, with the "longer is better" baseline.

Pair types (paper-notes §3): `opt>orig` (optimized over the original), `orig>deg` (original over a degraded
rewrite), `opt>deg` (the strong contrast). A pair row:

    {"pair_id": "Mbpp/601#0:logical_rigor:orig>deg:rule:drop_step", "task_id": "Mbpp/601",
     "prompt": "<the problem, as the RM sees it>", "chosen": "<reasoning>", "rejected": "<reasoning>",
     "pair_type": "orig>deg", "dimension": "logical_rigor", "generator": "...", "seed_mode": "free",
     "chosen_source": "seed:free", "rejected_source": "rule:drop_step", "chosen_words": 120, "rejected_words": 104}

`prompt`/`chosen`/`rejected` are plain strings (TRL's standard, non-conversational preference format); the RM
turns (prompt, reasoning) into its input with recode/reward/rm_input.py. Held-out problems are chosen by a hash
of the task id, so every pair of a problem lands on the same side and the split never changes with the data.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict

PAIR_TYPES = ("opt>orig", "orig>deg", "opt>deg")


def is_val(task_id: str, val_fraction: float, seed: int = 0) -> bool:
    digest = hashlib.sha256(f"{seed}:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < val_fraction


def _pair(row: dict, pair_type: str, chosen: dict, rejected: dict) -> dict:
    return {"pair_id": f"{row['seed_id']}:{row['dimension']}:{pair_type}:{rejected['source']}"
                       + (f":{chosen['source']}" if pair_type == "opt>orig" else ""),
            "task_id": row["task_id"], "prompt": row["problem"], "chosen": chosen["text"],
            "rejected": rejected["text"], "pair_type": pair_type, "dimension": row["dimension"],
            "generator": row.get("generator"), "seed_mode": row.get("seed_mode"), "domain": row.get("domain", "code"),
            "chosen_source": chosen["source"], "rejected_source": rejected["source"],
            "chosen_words": len(chosen["text"].split()), "rejected_words": len(rejected["text"].split())}


def pairs_from_triple(row: dict, pair_types: tuple[str, ...] = PAIR_TYPES) -> list[dict]:
    """All pairs of one (seed, dimension) row of variants.jsonl."""
    original = {"text": row["original"], "source": f"seed:{row.get('seed_mode', 'free')}"}
    optimized = row.get("optimized")
    out = []
    if optimized and "opt>orig" in pair_types:
        out.append(_pair(row, "opt>orig", optimized, original))
    for degraded in row.get("degraded") or []:
        if "orig>deg" in pair_types:
            out.append(_pair(row, "orig>deg", original, degraded))
        if optimized and "opt>deg" in pair_types:
            out.append(_pair(row, "opt>deg", optimized, degraded))
    return out


def length_baseline(pairs: list[dict]) -> dict:
    """Accuracy of "the longer reasoning is better" (ties count half), overall and per pair type and dimension."""
    def acc(rows: list[dict]) -> dict:
        score = sum(1.0 if r["chosen_words"] > r["rejected_words"] else 0.5 if r["chosen_words"] == r["rejected_words"]
                    else 0.0 for r in rows)
        return {"n": len(rows), "accuracy": round(score / len(rows), 4) if rows else None}

    groups: dict[str, list[dict]] = defaultdict(list)
    for r in pairs:
        groups[f"pair_type={r['pair_type']}"].append(r)
        groups[f"dimension={r['dimension']}"].append(r)
        if r.get("rejected_source"):
            groups[f"source={r['rejected_source'].split(':')[0]}"].append(r)
    return {"all": acc(pairs), **{k: acc(v) for k, v in sorted(groups.items())}}


def balance_lengths(pairs: list[dict], seed: int = 0) -> list[dict]:
    """Subsample each pair type so that the chosen side is the longer one in half of its pairs."""
    rng = random.Random(seed)
    out = []
    for pair_type in sorted({p["pair_type"] for p in pairs}):
        rows = [p for p in pairs if p["pair_type"] == pair_type]
        longer = [p for p in rows if p["chosen_words"] > p["rejected_words"]]
        shorter = [p for p in rows if p["chosen_words"] < p["rejected_words"]]
        ties = [p for p in rows if p["chosen_words"] == p["rejected_words"]]
        k = min(len(longer), len(shorter))
        out += rng.sample(longer, k) + rng.sample(shorter, k) + ties
    return sorted(out, key=lambda p: p["pair_id"])


def build_pairs(rows: list[dict], pair_types=PAIR_TYPES, val_fraction: float = 0.2, seed: int = 0,
                length_balance: bool = False) -> tuple[list[dict], list[dict], dict]:
    """(train pairs, held-out pairs, report) from variants rows. Duplicate (chosen, rejected) pairs are dropped."""
    pairs, seen = [], set()
    for row in rows:
        for pair in pairs_from_triple(row, tuple(pair_types)):
            key = (pair["prompt"], pair["chosen"], pair["rejected"])
            if key not in seen and pair["chosen"].strip() != pair["rejected"].strip():
                seen.add(key)
                pairs.append(pair)
    before = len(pairs)
    if length_balance:
        pairs = balance_lengths(pairs, seed)
    train = [p for p in pairs if not is_val(p["task_id"], val_fraction, seed)]
    val = [p for p in pairs if is_val(p["task_id"], val_fraction, seed)]
    report = {"pairs": len(pairs), "pairs_before_length_balance": before, "train": len(train), "val": len(val),
              "train_problems": len({p["task_id"] for p in train}), "val_problems": len({p["task_id"] for p in val}),
              "counts": _counts(pairs), "longer_is_better": {"all_pairs": length_baseline(pairs),
                                                              "val": length_baseline(val)}}
    return train, val, report


def _counts(pairs: list[dict]) -> dict:
    counts: dict[str, dict[str, int]] = {"pair_type": defaultdict(int), "dimension": defaultdict(int),
                                         "rejected_source": defaultdict(int), "seed_mode": defaultdict(int)}
    for p in pairs:
        for key, table in counts.items():
            table[str(p.get(key))] += 1
    return {k: dict(sorted(v.items())) for k, v in counts.items()}
