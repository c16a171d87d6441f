"""What LiveCodeBench, BigCodeBench and LeetCodeDataset share: reading records from a local copy or the Hub,
date windows, and tasks skipped (never failed) when the modules their tests need are not installed.

Options: each of these benchmarks takes constructor options, which `get_benchmark` passes through, e.g.
`get_benchmark("livecodebench", release="release_v5", since="2024-08-01")`, or in one string as a CLI would
give it: `get_benchmark("livecodebench:release=release_v5,since=2024-08-01")`.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from recode.datasets.base import Benchmark, Problem
from recode.io import DataError, read_jsonl

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".parquet")


def parse_date(value, option: str) -> dt.date | None:
    """A `YYYY-MM-DD` option (or a date) as a date; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DataError(f"{option}={value!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-08-01)") from None


def record_date(value, where: str) -> dt.date:
    """A record's date field (ISO date or date-time string, or a datetime from a parquet column)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        raise DataError(f"{where}: date {value!r} is not in ISO format (YYYY-MM-DD[THH:MM:SS])") from None


def in_window(day: dt.date, since: dt.date | None, until: dt.date | None) -> bool:
    """Both ends inclusive."""
    return (since is None or day >= since) and (until is None or day <= until)


def check_window(since: dt.date | None, until: dt.date | None) -> None:
    if since and until and since > until:
        raise DataError(f"since={since} is after until={until}: the date window is empty")


def _json_file(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict):  # BigCodeBench's release files: an object keyed by task_id
        data = list(data.values())
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError(f"{path}: expected a JSON list of objects, or an object of objects keyed by task id")
    return data


def _parquet_file(path: Path) -> list[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path}: reading parquet needs pyarrow (pip install pyarrow), or pass a JSONL copy") from None
    return pq.read_table(path).to_pylist()


def read_records(path: str | Path, names: Iterable[str] | None = None) -> list[dict]:
    """Records from a JSONL / JSON / parquet file, or from the files of a folder.

    Args:
        names: in a folder, read these file names only (those that exist; at least one must); else every
            data file in it, sorted by name.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir():
        files = ([path / n for n in names if (path / n).exists()] if names is not None
                 else sorted(p for p in path.iterdir() if p.name.endswith(RECORD_SUFFIXES)))
        if not files:
            wanted = ", ".join(names) if names is not None else "*" + ", *".join(RECORD_SUFFIXES)
            raise DataError(f"{path}: the folder holds none of the data files expected ({wanted})")
        return [rec for f in files for rec in read_records(f)]
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        return read_jsonl(path)
    if path.name.endswith((".json", ".json.gz")):
        return _json_file(path)
    if path.name.endswith(".parquet"):
        return _parquet_file(path)
    raise DataError(f"{path}: unknown data format; expected one of {', '.join(RECORD_SUFFIXES)} or a folder")


def load_hub(label: str, hint: str, *args, **kwargs) -> list[dict]:
    """Rows from `datasets.load_dataset(*args, **kwargs)`, imported only when needed.

    Offline (or without `datasets`) the error names the dataset (`label`) and what to pass instead (`hint`)."""
    try:
        import datasets
    except ImportError:
        raise DataError(f"{label}: the `datasets` package is not installed, so the Hub cannot be read; "
                        f"{hint}") from None
    try:
        rows = datasets.load_dataset(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - offline, missing split, ...: all end in the same advice
        last = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:300]
        raise DataError(f"cannot load {label} from the Hub ({type(exc).__name__}: {last}); {hint}") from None
    return [dict(r) for r in rows]


# ---- modules a task needs ---------------------------------------------------------------------------------

def imported_modules(code: str) -> set[str]:
    """Top-level names of every module `code` imports (anywhere in it, not only at the top)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out


@cache
def is_installed(module: str) -> bool:
    """Whether `module` can be imported. Sandbox workers run this same interpreter with this sys.path."""
    if module in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_of(modules: Iterable[str]) -> list[str]:
    return sorted(m for m in set(modules) if not is_installed(m))


class CodeBenchmark(Benchmark):
    """Scoring with skips and a summary per bucket.

    A task may need third-party modules (`required_modules`). When some are not installed the task is skipped:
    its rows say `status: "skipped"`, `passed: null` and name the modules, and pass@k leaves it out."""

    domain = "code"

    def required_modules(self, problem: Problem) -> set[str]:
        return set()

    def missing_modules(self, problem: Problem) -> list[str]:
        if "_missing" not in problem.raw:
            problem.raw["_missing"] = missing_of(self.required_modules(problem))
        return problem.raw["_missing"]

    def skipped(self, task_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
        """task_id -> the missing modules, for the tasks (default: all) that cannot run here."""
        ids = self.problems if task_ids is None else task_ids
        return {t: m for t in ids if (m := self.missing_modules(self.problems[t]))}

    def score(self, samples: list[dict], **kwargs) -> list[dict]:
        """`Benchmark.score` on the tasks that can run, and a skipped row for each sample of the others."""
        from recode.eval.score import normalize_task_id

        source = kwargs.get("source", "sample")
        ids = []
        for n, sample in enumerate(samples, 1):  # checked here, so that errors name the caller's line numbers
            where = f"{source} line {n}"
            if not isinstance(sample, dict) or "task_id" not in sample:
                raise DataError(f"{where}: missing field `task_id`")
            ids.append(normalize_task_id(self, sample["task_id"], where))
            self.solution_of(dict(sample, task_id=ids[-1]), where)
        skip = self.skipped(set(ids))
        run = [n for n, t in enumerate(ids) if t not in skip]
        rows = super().score([samples[n] for n in run], **kwargs) if run else []
        by_index = dict(zip(run, rows))
        seen: Counter = Counter()
        out = []
        for n, task_id in enumerate(ids):
            row = by_index.get(n) or skipped_row(task_id, skip[task_id])
            row["completion_id"] = seen[task_id]  # counted over every sample of the task, run or not
            seen[task_id] += 1
            out.append(row)
        return out


    def buckets(self, problem: Problem) -> dict[str, str]:
        return {}

    def summary(self, rows: list[dict]) -> dict:
        """The usual summary (pass@k, status counts), then pass@k per bucket and the skipped tasks."""
        from recode.eval.metrics import summarize_buckets, summarize_skipped
        from recode.eval.score import summary

        out = summary(rows, self)
        ids = {r["task_id"] for r in rows}
        out["buckets"] = summarize_buckets(rows, {t: self.buckets(self.problems[t]) for t in ids})
        out["skipped"] = summarize_skipped(rows)
        return out


def skipped_row(task_id: str, missing: list[str]) -> dict:
    return {"task_id": task_id, "completion_id": 0, "passed": None, "base_passed": None, "plus_passed": None,
            "status": "skipped", "first_failure": None, "isolation": None, "time_s": 0.0,
            "missing_modules": list(missing)}
