"""`recode eval report`: several runs side by side, as the paper's table (models x benchmarks) and a bar chart.

Columns follow the paper's main table: a benchmark with base and plus tests gives two columns (HE and HE+:
base tests only, then base + plus), a benchmark with a `difficulty` bucket gives one column per difficulty
(LCB Easy / Medium / Hard), every other benchmark one column. Avg is the plain mean of a row's columns,
shown only when the row has every column of the table. Numbers are percentages of the chosen metric.
"""

from __future__ import annotations

import json
from pathlib import Path

from recode.io import DataError

# Short column names, as in the paper's tables.
LABELS = {"humaneval": "HE", "humaneval+": "HE", "mbpp": "MBPP", "mbpp+": "MBPP", "livecodebench": "LCB",
          "bigcodebench": "BCB Full", "bigcodebench-hard": "BCB Hard", "leetcodedataset": "LeetCode",
          "math500": "MATH500", "minerva": "Minerva", "aime24": "AIME24", "aime25": "AIME25", "gsm8k": "GSM8K"}
_DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}


def load_summary(run: Path) -> dict:
    path = run / "summary.json" if run.is_dir() else run
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: no summary.json (is {run} a finished `recode eval run` folder?)") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), dict):
        raise DataError(f"{path}: missing the `benchmarks` mapping of a run summary")
    return data


def _label(spec: str, entry: dict) -> str:
    name = entry.get("benchmark", spec)
    label = LABELS.get(name, name)
    _, _, options = spec.partition(":")
    return f"{label} ({options})" if options else label


def columns(entry: dict, spec: str, metric: str) -> dict[str, float | None]:
    """Column label -> metric value (0..1) for one benchmark of one run."""
    label = _label(spec, entry)
    if "plus" in entry and "base" in entry:
        return {label: entry["base"].get(metric), f"{label}+": entry["plus"].get(metric)}
    difficulty = entry.get("buckets", {}).get("difficulty")
    if difficulty:
        levels = sorted(difficulty, key=lambda d: (_DIFFICULTY_ORDER.get(d.lower(), 9), d))
        return {f"{label} {d.capitalize()}": difficulty[d].get(metric) for d in levels}
    return {label: entry.get(metric)}


def table(summaries: list[dict], metric: str = "pass@1") -> tuple[list[str], list[tuple[str, dict]]]:
    """(column labels in order, [(row name, {column: value})])."""
    cols: list[str] = []
    rows = []
    for s in summaries:
        values: dict[str, float | None] = {}
        for spec, entry in s["benchmarks"].items():
            values.update(columns(entry, spec, metric))
        cols += [c for c in values if c not in cols]
        rows.append((s.get("name") or s.get("model") or "?", values))
    return cols, rows


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def render_markdown(summaries: list[dict], metric: str = "pass@1", chart: str | None = None) -> str:
    cols, rows = table(summaries, metric)
    lines = [f"# Evaluation: {metric} (%)", "", "| Model | " + " | ".join(cols) + " | Avg |",
             "|---|" + "---:|" * (len(cols) + 1)]
    for name, values in rows:
        present = [values.get(c) for c in cols]
        avg = sum(present) / len(present) if present and all(v is not None for v in present) else None
        lines.append(f"| {name} | " + " | ".join(_pct(v) for v in present) + f" | {_pct(avg)} |")
    lines += ["", "| Model | mode | n | temperature | max new tokens | backend | tokens/s | no code | device |",
              "|---|---|---:|---:|---:|---|---:|---:|---|"]
    for s in summaries:
        c, g = s.get("config", {}), s.get("generation", {})
        no_code = sum(e.get("no_code", 0) + e.get("no_answer", 0) for e in s["benchmarks"].values())
        lines.append(f"| {s.get('name')} | {c.get('mode')} | {c.get('n')} | {c.get('temperature')} | "
                     f"{c.get('max_new_tokens')} | {c.get('backend')} | {g.get('tokens_per_s', '—')} | {no_code} | "
                     f"{s.get('device', '—')} |")
    if chart:
        lines += ["", f"![{metric} per benchmark]({chart})"]
    return "\n".join(lines) + "\n"


def render_chart(summaries: list[dict], path: Path, metric: str = "pass@1") -> None:
    """Grouped bars: one group per column, one bar per model."""
    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    cols, rows = table(summaries, metric)
    width = 0.8 / max(1, len(rows))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(cols) + 2), 4.5))
    for i, (name, values) in enumerate(rows):
        xs = [j + (i - (len(rows) - 1) / 2) * width for j in range(len(cols))]
        ax.bar(xs, [100 * (values.get(c) or 0.0) for c in cols], width, label=name)
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_ylabel(f"{metric} (%)")
    ax.set_ylim(0, 100)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(runs: list[Path], out: Path, metric: str = "pass@1") -> tuple[Path, Path]:
    """Write the markdown report to `out` and the chart beside it (same name, .png)."""
    if not runs:
        raise DataError("give at least one run folder")
    summaries = [load_summary(Path(r)) for r in runs]
    png = out.with_suffix(".png")
    render_chart(summaries, png, metric)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(summaries, metric, png.name), encoding="utf-8")
    return out, png
