"""Training curves of several runs in one figure: `recode train plot runs/cg_grpo runs/ungated runs/grpo`.

One panel per quantity, one line per run (the run directory's name, or its config's gate), from each run's
metrics.jsonl. Curves are smoothed with a trailing moving average (`smooth` steps; 1 = raw) because GRPO
metrics are noisy step to step. Panels whose metric no run has are left out (R_proc of a GRPO run).
"""

from __future__ import annotations

from pathlib import Path

from recode.io import DataError
from recode.train.callbacks import read_metrics

# (metric key, panel title)
PANELS = (
    ("reward", "reward (total)"),
    ("reward/fmt_mean", "R_fmt (format)"),
    ("reward/pass_rate", "pass rate (R_out)"),
    ("reward/gate_open_rate", "gate-open rate"),
    ("reward/proc_mean_open", "R_proc, gate-open rollouts"),
    ("reward/proc_mean_scored", "R_proc, all scored rollouts"),
    ("reward/gated_proc_mean", "gated R_proc term in the reward"),
    ("reward/reasoning_words_mean", "reasoning length (words)"),
    ("reward/answer_chars_mean", "answer length (chars)"),
    ("completions/mean_length", "completion length (tokens)"),
)


def smooth(values: list[float], window: int) -> list[float]:
    """Trailing moving average.

    Example:
        >>> smooth([0.0, 2.0, 4.0], 2)
        [0.0, 1.0, 3.0]
    """
    out, window = [], max(window, 1)
    for i in range(len(values)):
        chunk = values[max(0, i - window + 1):i + 1]
        out.append(sum(chunk) / len(chunk))
    return out


def run_label(run_dir: Path) -> str:
    import yaml

    config = run_dir / "config.yaml"
    gate = None
    if config.exists():
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        gate = (data.get("reward_resolved") or {}).get("gate")
    return f"{run_dir.name} (gate {gate})" if gate else run_dir.name


def series(run_dirs: list[Path]) -> dict[str, dict[str, tuple[list[int], list[float]]]]:
    """metric -> run label -> (steps, values), for the metrics of PANELS that the runs logged."""
    out: dict[str, dict[str, tuple[list[int], list[float]]]] = {}
    for run_dir in run_dirs:
        if not (run_dir / "metrics.jsonl").exists():
            raise DataError(f"{run_dir}: no metrics.jsonl (not a `recode train` run directory?)")
        records, label = read_metrics(run_dir), run_label(run_dir)
        for key, _ in PANELS:
            points = [(r["step"], float(r[key])) for r in records if isinstance(r.get(key), (int, float))]
            if points:
                out.setdefault(key, {})[label] = ([p[0] for p in points], [p[1] for p in points])
    return out


def plot_runs(run_dirs: list[str | Path], out: str | Path, smooth_steps: int = 5, title: str | None = None) -> Path:
    """Draw the curves of `run_dirs` into the image `out` (png, pdf or svg, by its suffix)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DataError("plotting needs matplotlib: pip install matplotlib") from None
    data = series([Path(d) for d in run_dirs])
    panels = [(key, name) for key, name in PANELS if key in data]
    if not panels:
        raise DataError("the runs have no training steps logged yet")
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.2 * rows), squeeze=False)
    for ax, (key, name) in zip(axes.flat, panels):
        for label, (steps, values) in data[key].items():
            ax.plot(steps, smooth(values, smooth_steps), label=label, linewidth=1.5)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 4), frameon=False)
    if title:
        fig.suptitle(title, y=1.02)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out
