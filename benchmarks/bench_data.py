"""Shared helpers for the benchmark scripts: where the data is, loading it, JSONL in and out.

The benchmarks read the EvalPlus releases from RECODE_DATA_DIR (default: ``../shared/data`` next to the
repository checkout):

- HumanEval+ v0.1.10: ``humanevalplus/HumanEvalPlus.jsonl.gz`` (164 tasks)
- MBPP+ v0.1.0:       ``mbppplus/MbppPlus-v0.1.0.jsonl.gz``    (399 tasks; EvalPlus 0.3.1 defaults to v0.2.0)
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# Our benchmark name -> (file under the data dir, EvalPlus dataset name, EvalPlus override variable).
BENCHMARKS = {
    "humaneval+": ("humanevalplus/HumanEvalPlus.jsonl.gz", "humaneval", "HUMANEVAL_OVERRIDE_PATH"),
    "mbpp+": ("mbppplus/MbppPlus-v0.1.0.jsonl.gz", "mbpp", "MBPP_OVERRIDE_PATH"),
}


def data_dir() -> Path:
    env = os.environ.get("RECODE_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def data_path(benchmark: str) -> Path:
    path = data_dir() / BENCHMARKS[benchmark][0]
    if not path.exists():
        raise SystemExit(f"{path} not found: set RECODE_DATA_DIR to the folder holding the EvalPlus releases")
    return path


def evalplus_dataset(benchmark: str) -> str:
    return BENCHMARKS[benchmark][1]


def evalplus_env(benchmark: str) -> dict[str, str]:
    """Environment for running EvalPlus 0.3.1 offline on our local copy of the benchmark.

    EvalPlus reads the override variable at import time and accepts a .jsonl.gz path directly (its
    ``stream_jsonl`` gunzips by suffix). No version check is made on an override: the ground-truth cache key
    is the md5 of the file's bytes, so the MBPP+ v0.1.0 file gets its own cache entry in ~/.cache/evalplus.
    """
    return {**os.environ, BENCHMARKS[benchmark][2]: str(data_path(benchmark))}


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: str | os.PathLike, rows: list[dict]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)
    return path


def load_problems(benchmark: str) -> list[dict]:
    """The raw EvalPlus records, in file order (inputs still JSON-serialized for MBPP+)."""
    return read_jsonl(data_path(benchmark))


def deserialize_inputs(benchmark: str, task_id: str, inputs: list) -> list:
    """Inputs as EvalPlus passes them to the function (MBPP+ stores tuples, sets, complex as JSON lists/str)."""
    if benchmark != "mbpp+":
        return inputs
    from evalplus.data.mbpp import mbpp_deserialize_inputs

    return mbpp_deserialize_inputs(task_id, inputs)


def canonical_samples(problems: list[dict]) -> list[dict]:
    """One sample per task in EvalPlus format: ``solution`` is the full program (prompt + canonical body)."""
    return [
        {"task_id": p["task_id"], "solution": p["prompt"] + p["canonical_solution"], "mutation": "canonical"}
        for p in problems
    ]
