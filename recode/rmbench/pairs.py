"""The benchmark's data: preference pairs of a better and a worse reasoning for the same problem.

A pair file is JSONL. Its first line may be a header (`{"type": "header", ...}`: format version, benchmark
version, provenance); every other line is one pair (schema in docs/rmbench.md):

    {"pair_id": "two-sum/3>7", "task_id": "leetcode/two-sum", "problem": "Given an array ...",
     "chosen": {"reasoning": "...", "solution": "...", "passed": true, "pass_rate": 1.0, "status": "pass"},
     "rejected": {"reasoning": "...", "solution": "...", "passed": false, "pass_rate": 0.25, "status": "fail"},
     "subset": "lcb-rb", "mode": "pass_fail", "difficulty": "Easy", "date": "2024-08-04",
     "judge": {...} | null, "review": {"decision": "keep", "note": ""} | null, "meta": {}}

RewardBench files (`prompt`, `chosen`, `rejected` as strings, `subset`, optional `id`) are read into the same
`Pair`, with the response text as the "reasoning": the evaluator treats both alike. Every error names the file,
the line and the field.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from recode.io import DataError, iter_jsonl, write_jsonl

FORMAT_VERSION = 1
DECISIONS = ("keep", "drop")


@dataclass
class Side:
    """One reasoning of a pair, with what executing its solution showed (None where unknown)."""

    reasoning: str
    solution: str | None = None
    passed: bool | None = None
    pass_rate: float | None = None
    status: str | None = None
    sample: int | None = None  # index of the generator sample it came from
    detail: str | None = None  # the first failing test or the error, as the sandbox reported it

    @property
    def words(self) -> int:
        return len(self.reasoning.split())


@dataclass
class Pair:
    pair_id: str
    problem: str
    chosen: Side
    rejected: Side
    task_id: str | None = None
    subset: str = "lcb-rb"
    mode: str | None = None  # how the pair was formed: pass_fail, pass_rate, judged, rewardbench, ...
    difficulty: str | None = None
    date: str | None = None  # YYYY-MM-DD: the problem's release date
    judge: dict[str, Any] | None = None  # the screening judge's verdict and rationale
    review: dict[str, Any] | None = None  # the human decision: {"decision": "keep"|"drop", "note": ...}
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _side(data: Any, where: str, name: str) -> Side:
    if isinstance(data, str):  # a bare string is the reasoning (RewardBench-like hand-written pairs)
        data = {"reasoning": data}
    if not isinstance(data, dict):
        raise DataError(f"{where}: `{name}` must be an object with a `reasoning` string, got {type(data).__name__}")
    if not isinstance(data.get("reasoning"), str) or not data["reasoning"].strip():
        raise DataError(f"{where}: `{name}.reasoning` must be a non-empty string")
    unknown = sorted(set(data) - {f for f in Side.__dataclass_fields__})
    if unknown:
        raise DataError(f"{where}: `{name}` has unknown field(s) {', '.join(unknown)}")
    for key, types in (("solution", str), ("passed", bool), ("pass_rate", (int, float)), ("status", str),
                       ("sample", int), ("detail", str)):
        if data.get(key) is not None and not isinstance(data[key], types):
            raise DataError(f"{where}: `{name}.{key}` has the wrong type ({type(data[key]).__name__})")
    return Side(**data)


def pair_from_dict(data: dict[str, Any], where: str) -> Pair:
    """Validate one pair record; `where` (file:line) starts every error message."""
    missing = [k for k in ("pair_id", "problem", "chosen", "rejected") if k not in data]
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(missing)}")
    if not isinstance(data["pair_id"], str) or not data["pair_id"]:
        raise DataError(f"{where}: `pair_id` must be a non-empty string")
    if not isinstance(data["problem"], str) or not data["problem"].strip():
        raise DataError(f"{where}: `problem` must be a non-empty string")
    unknown = sorted(set(data) - set(Pair.__dataclass_fields__) - {"type"})
    if unknown:
        raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key in ("task_id", "subset", "mode", "difficulty", "date"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise DataError(f"{where}: `{key}` must be a string")
    for key in ("judge", "review", "meta"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise DataError(f"{where}: `{key}` must be an object")
    review = data.get("review")
    if review is not None and review.get("decision") not in DECISIONS:
        raise DataError(f"{where}: `review.decision` must be one of {', '.join(DECISIONS)}")
    fields = {k: data[k] for k in Pair.__dataclass_fields__ if data.get(k) is not None}
    fields["chosen"] = _side(data["chosen"], where, "chosen")
    fields["rejected"] = _side(data["rejected"], where, "rejected")
    return Pair(**fields)


def rewardbench_pair(data: dict[str, Any], where: str, index: int) -> Pair:
    """A RewardBench record (prompt, chosen, rejected: strings; subset; id) as a Pair. TRL preference records
    with CRPL metadata (`recode synth pairs`: pair_id, task_id, pair_type) read the same way, their pair type as
    the subset."""
    missing = [k for k in ("prompt", "chosen", "rejected") if not isinstance(data.get(k), str)]
    if missing:
        raise DataError(f"{where}: RewardBench record needs string field(s) {', '.join(missing)}")
    pair_id = next((str(data[k]) for k in ("id", "pair_id") if data.get(k) is not None), str(index))
    return Pair(pair_id, data["prompt"], Side(data["chosen"]), Side(data["rejected"]),
                task_id=data.get("task_id"), subset=str(data.get("subset") or data.get("pair_type") or "default"),
                mode="rewardbench")


def is_rewardbench(record: dict[str, Any]) -> bool:
    return "prompt" in record and isinstance(record.get("chosen"), str)


def check_unique(pairs: list[Pair], wheres: list[str]) -> None:
    seen: dict[str, str] = {}
    for pair, where in zip(pairs, wheres):
        if pair.pair_id in seen:
            raise DataError(f"{where}: duplicate pair_id {pair.pair_id!r} (first at {seen[pair.pair_id]})")
        seen[pair.pair_id] = where


def read_pairs(path: str | os.PathLike) -> tuple[dict[str, Any] | None, list[Pair]]:
    """(header or None, pairs) of a pair file (ours or RewardBench JSONL). Ids must be unique; errors name lines."""
    header, pairs, wheres = None, [], []
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        if record.get("type") == "header":
            if header is not None or pairs:
                raise DataError(f"{where}: a header may only be the first line")
            if record.get("format_version") != FORMAT_VERSION:
                raise DataError(f"{where}: format_version {record.get('format_version')!r} is not supported "
                                f"(this version reads {FORMAT_VERSION})")
            header = record
            continue
        pair = rewardbench_pair(record, where, len(pairs)) if is_rewardbench(record) \
            else pair_from_dict(record, where)
        pairs.append(pair)
        wheres.append(where)
    check_unique(pairs, wheres)
    if not pairs:
        raise DataError(f"{path}: no pairs")
    return header, pairs


def make_header(name: str, version: str, provenance: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    return {"type": "header", "format_version": FORMAT_VERSION, "name": name, "version": version,
            "provenance": provenance, "counts": counts}


def write_pairs(path: str | os.PathLike, pairs: list[Pair], header: dict[str, Any] | None = None) -> None:
    records = ([header] if header else []) + [p.to_dict() for p in pairs]
    write_jsonl(path, records)


# RewardBench's subsets behind the paper's "Code" and "Math" columns (paper-notes §5: an assumption there too).
REWARDBENCH_SECTIONS = {
    "Code": ("hep-cpp", "hep-go", "hep-java", "hep-js", "hep-python", "hep-rust"),
    "Math": ("math-prm",),
}


def _records_from_table(path: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def load_pairs(spec: str, split: str = "filtered", subsets: list[str] | None = None
               ) -> tuple[dict[str, Any] | None, list[Pair]]:
    """Pairs from a JSONL file (ours or RewardBench-format), a RewardBench parquet file, or a Hub dataset id
    (`allenai/reward-bench`, loaded with `datasets`, split `split`). `subsets` keeps only those subsets; the names
    "Code" and "Math" expand to the RewardBench subsets of those columns."""
    if os.path.exists(spec) and not spec.endswith(".parquet"):
        header, pairs = read_pairs(spec)
    else:
        if os.path.exists(spec):
            records = _records_from_table(spec)
        else:
            try:
                import datasets
                records = datasets.load_dataset(spec, split=split).to_list()
            except Exception as exc:  # noqa: BLE001 - datasets raises many types: missing repo, no network, bad split
                raise DataError(f"{spec!r} is not a pair file and could not be loaded as a Hub dataset: {exc}") \
                    from None
        header = None
        pairs = [rewardbench_pair(r, f"{spec} record {i}", i) for i, r in enumerate(records)]
        check_unique(pairs, [f"{spec} record {i}" for i in range(len(pairs))])
    if subsets:
        wanted = {s for name in subsets for s in REWARDBENCH_SECTIONS.get(name, (name,))}
        pairs = [p for p in pairs if p.subset in wanted]
        if not pairs:
            raise DataError(f"{spec}: no pairs in subset(s) {', '.join(sorted(wanted))}")
    return header, pairs
