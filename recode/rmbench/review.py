"""Human review: export candidates to the review page, import the saved decisions, write the final benchmark.

A decisions file (what the page's "Save decisions" downloads):

    {"format": "rmbench-decisions", "benchmark": "lcb-rb", "version": "v1", "candidates_digest": "3f2a...",
     "saved": "2026-11-28T20:31:00Z", "decisions": {"<pair_id>": {"decision": "keep" | "drop", "note": ""}}}

Several reviewers' files can be combined: a pair is kept only when every reviewer keeps it (the paper has two
authors review each pair). The final benchmark is the kept pairs with a header recording provenance, the review
counts and a content-derived version (`<version>+<hash of the kept pairs>`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from recode.io import DataError
from recode.rmbench.pairs import DECISIONS, Pair, make_header, read_pairs, write_pairs
from recode.rmbench.review_page import PAGE

UNDECIDED_POLICIES = ("error", "drop", "keep")


def candidates_digest(pairs: list[Pair]) -> str:
    """Identifies a candidate set by its pair ids (a decisions file names the set it was made for)."""
    return hashlib.sha256("\n".join(sorted(p.pair_id for p in pairs)).encode()).hexdigest()[:16]


def _script_safe(data: Any) -> str:
    """JSON that cannot close the <script> element it sits in (or open a comment)."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_review_page(path: str | os.PathLike, header: dict[str, Any] | None, pairs: list[Pair]) -> None:
    """Write the self-contained review page for `pairs`."""
    name = (header or {}).get("name", "rmbench")
    version = (header or {}).get("version", "")
    data = {"benchmark": name, "version": version, "digest": candidates_digest(pairs),
            "pairs": [p.to_dict() for p in pairs]}
    title = _html_text(f"{name} {version}: {len(pairs)} candidate pairs")
    page = PAGE.replace("__TITLE__", title).replace("__DATA__", _script_safe(data))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(page, encoding="utf-8")


def read_decisions(path: str | os.PathLike, pairs: list[Pair]) -> dict[str, dict[str, str]]:
    """pair_id -> {"decision", "note"} from one decisions file, checked against the candidates."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != "rmbench-decisions" or \
            not isinstance(doc.get("decisions"), dict):
        raise DataError(f"{path}: not a decisions file (expected format 'rmbench-decisions' and a `decisions` "
                        "object, as the review page saves)")
    digest = candidates_digest(pairs)
    if doc.get("candidates_digest") not in (None, digest):
        raise DataError(f"{path}: made for another candidate set (digest {doc['candidates_digest']}, these "
                        f"candidates have {digest}); export the review page again from these candidates")
    ids = {p.pair_id for p in pairs}
    out = {}
    for pair_id, d in doc["decisions"].items():
        if pair_id not in ids:
            raise DataError(f"{path}: decision for unknown pair_id {pair_id!r}")
        if not isinstance(d, dict) or d.get("decision") not in DECISIONS:
            raise DataError(f"{path}: pair {pair_id!r}: decision must be one of {', '.join(DECISIONS)}, got {d!r}")
        out[pair_id] = {"decision": d["decision"], "note": str(d.get("note") or "")}
    return out


def apply_decisions(candidates: str | os.PathLike, decision_files: list[str | os.PathLike],
                    out: str | os.PathLike, undecided: str = "error", version: str | None = None) -> dict:
    """Keep the pairs every reviewer kept; write the final benchmark; return a summary."""
    if undecided not in UNDECIDED_POLICIES:
        raise DataError(f"undecided: choose one of {', '.join(UNDECIDED_POLICIES)}")
    if not decision_files:
        raise DataError("no decisions file given")
    header, pairs = read_pairs(candidates)
    reviews = [read_decisions(f, pairs) for f in decision_files]
    missing = [p.pair_id for p in pairs if any(p.pair_id not in r for r in reviews)]
    if missing and undecided == "error":
        raise DataError(f"{len(missing)} pair(s) have no decision from every reviewer (first: {missing[0]!r}); "
                        "finish the review or pass --undecided drop|keep")
    kept, agree = [], 0
    for p in pairs:
        ds = [r[p.pair_id]["decision"] if p.pair_id in r else undecided for r in reviews]
        agree += len(set(ds)) == 1
        notes = [r[p.pair_id]["note"] for r in reviews if p.pair_id in r and r[p.pair_id]["note"]]
        if all(d == "keep" for d in ds):
            p.review = {"decision": "keep", "note": " | ".join(notes), "reviewers": len(reviews)}
            kept.append(p)
    if not kept:
        raise DataError("every pair was dropped: the benchmark would be empty")
    header = header or make_header("rmbench", "v1", {}, {})
    body = "\n".join(json.dumps(p.to_dict(), sort_keys=True) for p in kept)
    base = version or str(header.get("version", "v1")).split("+")[0]
    review = {"reviewers": len(reviews), "candidates": len(pairs), "kept": len(kept),
              "dropped": len(pairs) - len(kept), "undecided": len(missing), "undecided_policy": undecided,
              "agreement": agree / len(pairs), "decision_files": [Path(f).name for f in decision_files]}
    provenance = dict(header.get("provenance") or {}, review=review)
    final = make_header(header.get("name", "rmbench"), f"{base}+{hashlib.sha256(body.encode()).hexdigest()[:8]}",
                        provenance, {"pairs": len(kept)})
    write_pairs(out, kept, final)
    return {"out": str(out), "version": final["version"], **review}
