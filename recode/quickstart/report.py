"""report.md and report.html of a quickstart run, built only from the files its stages wrote.

Sections: pass@1 before/after training, the reward model's held-out accuracy against the "longer is better"
baseline, its pairwise accuracy on LCB-RB-style and held-out CRPL pairs (with the untrained base, length and
random scorers beside it), the training curves, and what each stage took.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from recode.quickstart.runner import read_manifest


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _pct(x) -> str:
    return "n/a" if x is None or x != x else f"{100 * x:.1f}%"


def pass_table(run_dir: Path) -> list[list[str]]:
    runs = [(name, _load(run_dir / f"eval_{name}" / "summary.json")) for name in ("base", "trained")]
    runs = [(name, s) for name, s in runs if s]
    if not runs:
        return []
    columns = []
    for spec, bench in runs[0][1]["benchmarks"].items():
        columns += [(spec, "base"), (spec, "plus")] if "plus" in bench else [(spec, None)]
    head = ["policy", "model", *(f"{spec} {part or ''}".strip() for spec, part in columns)]
    rows = [head]
    for name, summary in runs:
        cells = []
        for spec, part in columns:
            bench = summary["benchmarks"].get(spec, {})
            cells.append(_pct((bench.get(part) or {}).get("pass@1") if part else bench.get("pass@1")))
        rows.append([name, summary["model"], *cells])
    return rows


def rm_table(run_dir: Path) -> list[list[str]]:
    card = _load(run_dir / "rm" / "rm_card.json")
    if not card or not card.get("val"):
        return []
    rows = [["held-out pairs", "n", "trained RM", "untrained (fresh head)", "longer is better"]]
    untrained = card.get("val_untrained") or {}
    for group, entry in card["val"].items():
        rows.append([group, str(entry["n"]), _pct(entry["accuracy"]),
                     _pct((untrained.get(group) or {}).get("accuracy")), _pct(entry.get("longer_is_better"))])
    return rows


def rmbench_table(run_dir: Path, folder: str) -> list[list[str]]:
    results = [_load(p) for p in sorted((run_dir / "rmbench" / folder).glob("*.json"))]
    results = [r for r in results if r and "summary" in r]
    if not results:
        return []
    rows = [["scorer", "pairs", "accuracy", "95% CI", "ties"]]
    for r in results:
        s = r["summary"]
        rows.append([r["scorer"], str(s["n"]), _pct(s["accuracy"]), f"{_pct(s['ci'][0])} - {_pct(s['ci'][1])}",
                     str(s["ties"])])
    b = results[0]["baselines"]
    rows.append(["(longer wins, on the same pairs)", str(results[0]["summary"]["n"]), _pct(b["longer_wins"]), "", ""])
    return rows


def stage_table(run_dir: Path) -> list[list[str]]:
    from recode.quickstart.stages import STAGES

    rows = [["stage", "what", "seconds"]]
    for stage in STAGES:
        m = read_manifest(run_dir, stage.name)
        if m:
            rows.append([stage.name, stage.describe(m["summary"]), f"{m['seconds']:.0f}"])
    return rows


EMPTY = "no data: its stage has not run yet, or produced none (see the stage's folder)"


def _md(rows: list[list[str]]) -> str:
    if not rows:
        return f"_{EMPTY}_\n"
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines) + "\n"


def _html_table(rows: list[list[str]]) -> str:
    if not rows:
        return f"<p><em>{html.escape(EMPTY)}</em></p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _curves(run_dir: Path) -> Path | None:
    from recode.io import DataError
    from recode.train.plot import plot_runs

    if not (run_dir / "train" / "metrics.jsonl").exists():
        return None
    try:
        return plot_runs([run_dir / "train"], run_dir / "report_curves.png", smooth_steps=1,
                         title="CG-GRPO training curves")
    except DataError:
        return None


SECTIONS = [
    ("pass@1 before and after CG-GRPO", "Greedy, the first problems of each benchmark (see config.json).", pass_table),
    ("Reward model on held-out CRPL pairs", "Bradley-Terry LoRA RM; pairs of problems never trained on.", rm_table),
    ("Reward model accuracy: LCB-RB-style pairs", "Pairs built from LeetCodeDataset test problems: the chosen "
     "side's code passes more tests. Unreviewed candidates of `recode rmbench build`.",
     lambda d: rmbench_table(d, "built")),
    ("Reward model accuracy: held-out CRPL pairs, all scorers", "", lambda d: rmbench_table(d, "heldout")),
    ("Stages", "", stage_table),
]


def write_report(run_dir: str | Path) -> dict:
    run_dir = Path(run_dir)
    tables = [(title, note, build(run_dir)) for title, note, build in SECTIONS]
    curves = _curves(run_dir)
    md = ["# ReCode quickstart report\n", f"Run folder: `{run_dir}`. Every number below is read from its files.\n"]
    page = ["<h1>ReCode quickstart report</h1>", f"<p>Run folder: <code>{html.escape(str(run_dir))}</code>. "
            "Every number below is read from its files.</p>"]
    for title, note, rows in tables:
        md += [f"## {title}\n", f"{note}\n" if note else "", _md(rows)]
        page += [f"<h2>{html.escape(title)}</h2>", f"<p>{html.escape(note)}</p>" if note else "", _html_table(rows)]
    md.append("## Training curves\n")
    page.append("<h2>Training curves</h2>")
    if curves:
        md.append(f"![training curves]({curves.name})\n")
        data = base64.b64encode(curves.read_bytes()).decode()
        page.append(f'<img alt="training curves" src="data:image/png;base64,{data}">')
    else:
        md.append("_no training steps logged_\n")
        page.append("<p><em>no training steps logged</em></p>")
    (run_dir / "report.md").write_text("\n".join(md), encoding="utf-8")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px}img{max-width:100%}")
    (run_dir / "report.html").write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>ReCode "
                                         f"quickstart</title><style>{style}</style></head><body>{''.join(page)}"
                                         "</body></html>", encoding="utf-8")
    return {"markdown": str(run_dir / "report.md"), "html": str(run_dir / "report.html"),
            "curves": str(curves) if curves else None}
