"""pass@k: the unbiased estimator of Chen et al. (2021), and per-benchmark summaries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c correct) passes: 1 - C(n-c, k) / C(n, k).

    Example:
        >>> pass_at_k(10, 3, 1)
        0.3
    """
    if n < k:
        raise ValueError(f"pass@{k} needs at least {k} samples per task, got {n}")
    if n - c < k:
        return 1.0
    prob_all_fail = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_fail *= 1.0 - k / i
    return round(1.0 - prob_all_fail, 12)


def summarize(rows: Iterable[dict], key: str, ks: Iterable[int] = (1, 10, 100)) -> dict[str, float]:
    """Mean pass@k over tasks of the boolean field `key`, for each k that every task has samples for."""
    per_task: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        if row.get(key) is not None:
            per_task[row["task_id"]].append(bool(row[key]))
    if not per_task:
        return {}
    n_min = min(len(v) for v in per_task.values())
    out = {}
    for k in ks:
        if k <= n_min:
            scores = [pass_at_k(len(v), sum(v), k) for v in per_task.values()]
            out[f"pass@{k}"] = sum(scores) / len(scores)
    return out
