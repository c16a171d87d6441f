"""Pairwise accuracy and what makes it readable: a bootstrap interval, breakdowns, baselines, a leaderboard.

An outcome is 1 when a scorer prefers the chosen side, 0 when it prefers the rejected one, 0.5 for a tie
(equal scores, or a judge that contradicts itself across the two orders). Accuracy is the mean outcome.

The interval is a percentile bootstrap. Pairs built from the same problem are not independent (they share the
statement, often a sample), so by default whole problems are resampled (`unit="problem"`, a cluster
bootstrap); RewardBench pairs have no problem id and are resampled one by one.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from recode.rmbench.pairs import REWARDBENCH_SECTIONS, Pair


def outcome(chosen: float, rejected: float) -> float:
    """Example: `outcome(2.0, 1.0) == 1.0`, `outcome(1.0, 1.0) == 0.5`."""
    return 1.0 if chosen > rejected else 0.0 if chosen < rejected else 0.5


def bootstrap_ci(outcomes: list[float], clusters: list[str] | None = None, n_resamples: int = 2000,
                 confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean outcome; `clusters` resamples groups of pairs together.

    Example:
        >>> lo, hi = bootstrap_ci([1.0] * 30 + [0.0] * 10)
        >>> lo < 0.75 < hi
        True
    """
    if not outcomes:
        return (math.nan, math.nan)
    values = np.asarray(outcomes, dtype=float)
    rng = np.random.default_rng(seed)
    if clusters is None:
        idx = rng.integers(0, len(values), size=(n_resamples, len(values)))
        means = values[idx].mean(axis=1)
    else:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(clusters):
            groups[c].append(i)
        sums = np.array([values[g].sum() for g in groups.values()])
        sizes = np.array([len(g) for g in groups.values()], dtype=float)
        idx = rng.integers(0, len(sums), size=(n_resamples, len(sums)))
        means = sums[idx].sum(axis=1) / sizes[idx].sum(axis=1)
    alpha = (1.0 - confidence) / 2
    return (float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha)))


def chance_band(n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The central `confidence` range of a coin-flip scorer's accuracy on n pairs (exact binomial quantiles).

    Example:
        >>> chance_band(100)
        (0.4, 0.6)
    """
    if n == 0:
        return (math.nan, math.nan)
    alpha, total, cdf = (1.0 - confidence) / 2, 2 ** n, 0
    lo = hi = None
    for k in range(n + 1):
        cdf += math.comb(n, k)
        if lo is None and cdf / total >= alpha:
            lo = k
        if cdf / total >= 1 - alpha:
            hi = k
            break
    return (lo / n, hi / n)


def date_bucket(date: str | None, bucket: str) -> str:
    """'2024-08-04' -> '2024-08' (month), '2024-Q3' (quarter) or '2024' (year); '?' when unknown."""
    if not date or len(date) < 7:
        return "?"
    year, month = date[:4], int(date[5:7])
    return {"month": date[:7], "quarter": f"{year}-Q{(month - 1) // 3 + 1}", "year": year}[bucket]


def _groups(pairs: list[Pair], outcomes: list[float], key) -> dict[str, dict]:
    by: dict[str, list[float]] = defaultdict(list)
    for p, o in zip(pairs, outcomes):
        by[key(p)].append(o)
    return {k: {"n": len(v), "accuracy": sum(v) / len(v)} for k, v in sorted(by.items())}


def summarize(pairs: list[Pair], outcomes: list[float], bootstrap_unit: str = "problem", n_resamples: int = 2000,
              confidence: float = 0.95, seed: int = 0, date_bucketing: str = "month") -> dict:
    """Accuracy, its interval, and accuracy by difficulty, date, subset and pairing mode."""
    n = len(outcomes)
    use_clusters = bootstrap_unit == "problem" and all(p.task_id for p in pairs)
    clusters = [p.task_id for p in pairs] if use_clusters else None
    lo, hi = bootstrap_ci(outcomes, clusters, n_resamples, confidence, seed)
    result = {"n": n, "accuracy": sum(outcomes) / n if n else math.nan, "ci": [lo, hi], "confidence": confidence,
              "bootstrap_unit": "problem" if use_clusters else "pair",
              "ties": sum(o == 0.5 for o in outcomes)}
    result["by_difficulty"] = _groups(pairs, outcomes, lambda p: p.difficulty or "?")
    result["by_date"] = _groups(pairs, outcomes, lambda p: date_bucket(p.date, date_bucketing))
    result["by_subset"] = _groups(pairs, outcomes, lambda p: p.subset)
    result["by_mode"] = _groups(pairs, outcomes, lambda p: p.mode or "?")
    sections = rewardbench_sections(pairs, outcomes)
    if sections:
        result["rewardbench"] = sections
    return result


def rewardbench_sections(pairs: list[Pair], outcomes: list[float]) -> dict[str, dict]:
    """The paper's RewardBench "Code" and "Math" columns: accuracy over all pairs of those subsets (pooled, as
    RewardBench weighs its subsets by their sizes within a section)."""
    out = {}
    for name, subsets in REWARDBENCH_SECTIONS.items():
        values = [o for p, o in zip(pairs, outcomes) if p.subset in subsets]
        if values:
            out[name] = {"n": len(values), "accuracy": sum(values) / len(values)}
    return out


def baselines(pairs: list[Pair], confidence: float = 0.95) -> dict:
    """The reference points every scorer is read against, on the same pairs: "longer reasoning wins" (ties
    0.5) and a random scorer (expected 0.5, with the band a coin reaches on this many pairs)."""
    longer = [outcome(p.chosen.words, p.rejected.words) for p in pairs]
    return {"longer_wins": sum(longer) / len(longer) if longer else math.nan,
            "chosen_longer_fraction": sum(p.chosen.words > p.rejected.words for p in pairs) / max(1, len(pairs)),
            "random": 0.5, "random_band": list(chance_band(len(pairs), confidence))}


def _pct(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}"


def leaderboard(results: list[dict], breakdown: str = "by_difficulty") -> str:
    """A markdown table over several scorers' result dicts (as written by `recode rmbench eval`)."""
    keys = sorted({k for r in results for k in r["summary"].get(breakdown, {})})
    sections = sorted({k for r in results for k in r["summary"].get("rewardbench", {})})
    head = ["scorer", "pairs", "accuracy", "95% CI", "ties"] + keys + [f"RB {s}" for s in sections]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in sorted(results, key=lambda r: -r["summary"]["accuracy"]):
        s = r["summary"]
        row = [r["scorer"], str(s["n"]), _pct(s["accuracy"]), f"{_pct(s['ci'][0])}-{_pct(s['ci'][1])}",
               str(s["ties"])]
        row += [_pct(s.get(breakdown, {}).get(k, {}).get("accuracy")) for k in keys]
        row += [_pct(s.get("rewardbench", {}).get(k, {}).get("accuracy")) for k in sections]
        lines.append("| " + " | ".join(row) + " |")
    if results:
        b = results[0]["baselines"]
        band = b["random_band"]
        lines.append("")
        lines.append(f"Baselines on the same {results[0]['summary']['n']} pairs: longer reasoning wins "
                     f"{_pct(b['longer_wins'])}% (chosen is longer in {_pct(b['chosen_longer_fraction'])}%); "
                     f"random 50.0% (95% of coin-flip scorers land in {_pct(band[0])}-{_pct(band[1])}%).")
    return "\n".join(lines)
