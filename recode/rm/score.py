"""Batched scoring of (problem, reasoning) records with a reward model: `recode rm score`.

Records (JSONL): `problem` and either `reasoning` or `completion` (a `<think>...</think><answer>...</answer>`
completion whose reasoning is taken, as the reward takes it; recode/text.py). Every other field is kept. Output:
the records plus `rm_score` (the raw score) and `rm_unit` (its sigmoid, the reward's default R_proc mapping).

Scoring is the reward's own `HFScorer` (recode/reward/hf_scorer.py): the RM input template, inputs sorted by
token count so each batch holds similar lengths (length buckets), right padding, bfloat16 on a GPU. Records are
sent to it in chunks, so the progress bar moves and memory stays bounded; within a chunk it batches by length.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from recode.io import DataError
from recode.text import parse_completion


def reasoning_of(record: dict, where: str) -> str:
    if isinstance(record.get("reasoning"), str):
        return record["reasoning"]
    if isinstance(record.get("completion"), str):
        return parse_completion(record["completion"], record.get("domain", "code")).reasoning or ""
    raise DataError(f"{where}: needs `reasoning` or `completion` (a string)")


def load_records(rows: list[tuple[int, dict]], path: str) -> tuple[list[dict], list[str], list[str]]:
    records, problems, reasonings = [], [], []
    for lineno, record in rows:
        where = f"{path}:{lineno}"
        if not isinstance(record.get("problem"), str) or not record["problem"].strip():
            raise DataError(f"{where}: `problem` must be a non-empty string")
        records.append(record)
        problems.append(record["problem"])
        reasonings.append(reasoning_of(record, where))
    return records, problems, reasonings


def score_records(scorer, problems: list[str], reasonings: list[str], chunk: int = 1024,
                  on_progress: Callable[[int, int], None] | None = None) -> tuple[list[float], dict]:
    """(raw scores, throughput stats): records/s and tokens/s (tokens of the RM inputs, no padding)."""
    lengths = [len(ids) for ids in scorer.encode(problems, reasonings)]
    # Chunks of similar lengths, so the scorer's own length sorting is not undone by the chunking.
    order = sorted(range(len(problems)), key=lambda i: -lengths[i])
    scores = [0.0] * len(problems)
    started = time.perf_counter()
    for start in range(0, len(order), chunk):
        idx = order[start:start + chunk]
        for i, s in zip(idx, scorer.score([problems[i] for i in idx], [reasonings[i] for i in idx])):
            scores[i] = s
        if on_progress:
            on_progress(min(start + chunk, len(order)), len(order))
    seconds = time.perf_counter() - started
    stats = {"records": len(scores), "tokens": sum(lengths), "seconds": round(seconds, 3),
             "records_per_s": round(len(scores) / seconds, 2) if seconds else None,
             "tokens_per_s": round(sum(lengths) / seconds, 1) if seconds else None,
             "mean_tokens": round(sum(lengths) / max(1, len(lengths)), 1), "max_tokens": max(lengths, default=0),
             "batch_size": scorer.batch_size, "device": scorer.device,
             "dtype": str(next(scorer.model.parameters()).dtype).replace("torch.", "")}
    return scores, stats


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
