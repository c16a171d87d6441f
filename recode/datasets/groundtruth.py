"""Ground truth from reference solutions: expected outputs and per-test reference times, cached per task.

Like EvalPlus, expected outputs come from running the canonical solution, and each test's time limit is
calibrated from the canonical solution's time. The reference runs go through the same sandbox as the
candidates (a reference solution is code from a dataset, too). The cache lives in
`$RECODE_CACHE_DIR` (default `~/.cache/recode`) and is keyed by the data file's hash, so a new data
version never reuses stale outputs.

A record's large expected encodings (`expected_raw[i]` where `expected_digest[i]` is set) are stored apart, one
file per encoding named by its SHA-256 under `groundtruth/blobs/`, and the record keeps None in their place:
they travel to the workers as digests anyway (see `recode.sandbox.plan`), and the pool reads one from disk only
when a program's output differs from it (`CallTests.expected_dir`). HumanEval+ holds 247 MB of them; reading
them on every scoring run cost 0.17 s before the first program could start.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from recode.io import write_bytes
from recode.sandbox import Job, JobResult, Limits

# Reference solutions get generous limits: their times calibrate everyone else's.
REFERENCE_LIMITS = Limits(default_time_s=60.0, time_cap_s=60.0, setup_time_s=60.0)
CACHE_VERSION = 10


def cache_dir() -> Path:
    return Path(os.environ.get("RECODE_CACHE_DIR", Path.home() / ".cache" / "recode"))


def _cache_path(name: str, source_hash: str) -> Path:
    safe = name.replace("+", "plus").replace("/", "_")
    return cache_dir() / "groundtruth" / f"{safe}-{source_hash[:16]}-v{CACHE_VERSION}.pkl"


def blob_dir() -> Path:
    """Where large expected encodings live, each in a file named by the hex SHA-256 of its bytes."""
    return cache_dir() / "groundtruth" / "blobs"


def _externalize(record: dict) -> dict:
    """The record to cache: encodings that have a digest go to the blob folder, None stays in their place, and
    `blobs` lists their positions (an output over the output limit has a digest and never had an encoding)."""
    raws, digests = record.get("expected_raw"), record.get("expected_digest")
    if not raws or not digests:
        return record
    kept, moved = list(raws), []
    for i, (raw, digest) in enumerate(zip(raws, digests)):
        if raw is not None and digest is not None:
            blob = blob_dir() / digest[0].hex()
            if not blob.exists():
                write_bytes(blob, raw)
            kept[i] = None
            moved.append(i)
    return dict(record, expected_raw=kept, blobs=moved)


def _complete(record: dict) -> bool:
    """Whether every blob the record leans on is still there (a user may have pruned the cache)."""
    digests = record.get("expected_digest") or []
    return all((blob_dir() / digests[i][0].hex()).is_file() for i in record.get("blobs", ()))


def _load(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError):
        return {}
    return {task_id: record for task_id, record in data.items() if _complete(record)}


def _save(path: Path, data: dict) -> None:
    write_bytes(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    # Earlier cache versions of the same data are never read again; HumanEval+'s took 250-500 MB each.
    for old in path.parent.glob(path.name.rsplit("-v", 1)[0] + "-v*.pkl"):
        if old != path:
            old.unlink(missing_ok=True)


def ground_truth(benchmark, task_ids: list[str], pool, reference_job, digest, on_done=None) -> tuple[dict, int]:
    """Records for `task_ids`, computing the missing ones in one sandbox batch.

    Args:
        reference_job: Problem -> Job that records outputs (no expected values) under REFERENCE_LIMITS.
        digest: (Problem, JobResult) -> the record to cache for that task.
        on_done: called with the running count as each missing task is computed.
    Returns:
        (task_id -> record, how many records were computed rather than read from the cache)
    """
    path = _cache_path(benchmark.name, benchmark.source_hash())
    cached = _load(path)
    missing = [t for t in task_ids if t not in cached]
    if missing:
        problems = [benchmark.problems[t] for t in missing]
        jobs: list[Job] = [reference_job(p) for p in problems]
        done = [0]

        def tick(_: int) -> None:
            done[0] += 1
            if on_done:
                on_done(done[0])

        results: list[JobResult] = pool.run_batch(jobs, on_job_done=tick)
        cached = _load(path)  # another process may have added tasks meanwhile
        cached.update({p.task_id: _externalize(digest(p, r)) for p, r in zip(problems, results)})
        _save(path, cached)
    return {t: cached[t] for t in task_ids}, len(missing)
