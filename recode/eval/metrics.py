"""pass@k: the unbiased estimator of Chen et al. (2021), per-benchmark summaries, and maj@k (majority voting)."""

from __future__ import annotations

from collections import Counter, defaultdict
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


def summarize_buckets(rows: Iterable[dict], buckets: dict[str, dict[str, str]], key: str = "base_passed",
                      ks: Iterable[int] = (1, 10, 100)) -> dict[str, dict[str, dict]]:
    """pass@k per bucket, e.g. {"difficulty": {"easy": {"n_tasks": 3, "pass@1": 0.5}}, "month": {...}}.

    Args:
        buckets: task_id -> {bucket kind: value}, e.g. {"difficulty": "easy", "month": "2024-05"}.
    Rows whose `key` is None (skipped tasks) are left out, as in `summarize`.
    """
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        if row.get(key) is None:
            continue
        for kind, value in buckets.get(row["task_id"], {}).items():
            groups[(kind, value)].append(row)
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for (kind, value), members in sorted(groups.items()):
        out[kind][value] = {"n_tasks": len({r["task_id"] for r in members}), **summarize(members, key, ks)}
    return dict(out)


def majority_at_k(rows: Iterable[dict], k: int, key: str = "answer_key", correct: str = "passed") -> float:
    """maj@k: the fraction of tasks whose most common answer among their first k samples is right.

    Samples vote with `row[key]` (a normalized answer; None does not vote). Ties go to the answer seen first, so
    the result is deterministic; a task where no sample has an answer counts as wrong. The majority answer is
    right when the first sample that gave it is (samples with one normalized answer share one verdict).

    Example:
        >>> rows = [{"task_id": "a", "completion_id": i, "answer_key": v, "passed": v == "2"}
        ...         for i, v in enumerate(["2", "3", "2", None])]
        >>> majority_at_k(rows, 3), majority_at_k(rows, 2)
        (1.0, 1.0)
    """
    per_task: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_task[row["task_id"]].append(row)
    if not per_task:
        raise ValueError("maj@k needs at least one sample")
    right = 0
    for samples in per_task.values():
        if len(samples) < k:
            raise ValueError(f"maj@{k} needs at least {k} samples per task, got {len(samples)}")
        first_k = sorted(samples, key=lambda r: r.get("completion_id", 0))[:k]
        votes = Counter(r[key] for r in first_k if r.get(key) is not None)
        if votes:
            winner = votes.most_common(1)[0][0]  # most_common keeps first-seen order among equal counts
            right += bool(next(r for r in first_k if r.get(key) == winner)[correct])
    return right / len(per_task)


def summarize_majority(rows: Iterable[dict], ks: Iterable[int] = (4, 8, 16, 32, 64)) -> dict[str, float]:
    """maj@k for each k (> 1) that every task has samples for; {} with a single sample per task."""
    rows = list(rows)
    counts = Counter(r["task_id"] for r in rows)
    if not counts:
        return {}
    n_min = min(counts.values())
    return {f"maj@{k}": majority_at_k(rows, k) for k in sorted(set(ks) | {n_min}) if 1 < k <= n_min}


def summarize_skipped(rows: Iterable[dict]) -> dict:
    """Tasks skipped because modules they need are not installed (rows with `missing_modules`), and how often
    each module was the reason: {"n_tasks": 1, "tasks": {task_id: [modules]}, "modules": {module: n_tasks}}."""
    tasks = {r["task_id"]: list(r["missing_modules"]) for r in rows if r.get("missing_modules")}
    modules: dict[str, int] = defaultdict(int)
    for mods in tasks.values():
        for m in mods:
            modules[m] += 1
    return {"n_tasks": len(tasks), "tasks": dict(sorted(tasks.items())),
            "modules": dict(sorted(modules.items(), key=lambda kv: (-kv[1], kv[0])))}
