"""Held-out pair accuracy of a reward model, per pair type, dimension and source of the rejected side.

Scores go through the reward's `HFScorer` (recode/reward/hf_scorer.py): the RM is judged exactly as the reward
will use it. A pair is right when s(chosen) > s(rejected); a tie counts half. Beside each accuracy stands the
"longer is better" baseline on the same pairs (recode/synth/pairs.py).
"""

from __future__ import annotations

from collections import defaultdict

from recode.synth.pairs import length_baseline


def pair_accuracy(pairs: list[dict], chosen: list[float], rejected: list[float]) -> dict:
    """{"all": {...}, "pair_type=...": {...}, "dimension=...": {...}, "source=...": {...}}, each with n, accuracy,
    mean margin and the length baseline's accuracy."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        groups["all"].append(i)
        groups[f"pair_type={p.get('pair_type')}"].append(i)
        groups[f"dimension={p.get('dimension')}"].append(i)
        if p.get("rejected_source"):
            groups[f"source={p['rejected_source'].split(':')[0]}"].append(i)
    out = {}
    for name in ["all", *sorted(k for k in groups if k != "all")]:
        idx = groups[name]
        right = sum(1.0 if chosen[i] > rejected[i] else 0.5 if chosen[i] == rejected[i] else 0.0 for i in idx)
        entry = {"n": len(idx), "accuracy": round(right / len(idx), 4),
                 "mean_margin": round(sum(chosen[i] - rejected[i] for i in idx) / len(idx), 4)}
        if all("chosen_words" in pairs[i] for i in idx):
            entry["longer_is_better"] = length_baseline([pairs[i] for i in idx])["all"]["accuracy"]
        out[name] = entry
    return out


def score_pairs(scorer, pairs: list[dict]) -> tuple[list[float], list[float]]:
    """(chosen scores, rejected scores) with one batched call (sorted by length inside the scorer)."""
    problems = [p["prompt"] for p in pairs]
    scores = scorer.score(problems + problems, [p["chosen"] for p in pairs] + [p["rejected"] for p in pairs])
    return scores[:len(pairs)], scores[len(pairs):]


def evaluate_model(model: str, pairs: list[dict], batch_size: int = 16, max_length: int = 4096,
                   device: str = "auto") -> dict:
    from recode.reward.hf_scorer import HFScorer

    scorer = HFScorer(model, device=device, batch_size=batch_size, max_length=max_length)
    try:
        chosen, rejected = score_pairs(scorer, pairs)
    finally:
        scorer.close()
    return pair_accuracy(pairs, chosen, rejected)
