"""`recode train plot` on run directories, and the `recode train` command's errors and dry run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recode.cli import app

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "train"


def fake_run(run_dir: Path, gate: str, slope: float) -> Path:
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(f"reward_resolved: {{gate: {gate}}}\n")
    with (run_dir / "metrics.jsonl").open("w") as f:
        for step in range(1, 11):
            record = {"step": step, "kind": "train", "reward": 1 + slope * step, "reward/pass_rate": 0.3,
                      "reward/gate_open_rate": 0.3, "reward/reasoning_words_mean": 50 + 20 * slope * step}
            if gate != "outcome_only":
                record["reward/proc_mean_scored"] = min(1.0, 0.4 + slope * step)
            f.write(json.dumps(record) + "\n")
        f.write(json.dumps({"step": 10, "kind": "eval", "eval_reward": 1.0}) + "\n")
    return run_dir


def test_plot_several_runs(tmp_path):
    pytest.importorskip("matplotlib")
    from recode.train.plot import series

    runs = [fake_run(tmp_path / "cg", "hard", 0.01), fake_run(tmp_path / "ungated", "none", 0.05),
            fake_run(tmp_path / "grpo", "outcome_only", 0.0)]
    data = series(runs)
    assert set(data["reward"]) == {"cg (gate hard)", "ungated (gate none)", "grpo (gate outcome_only)"}
    assert set(data["reward/proc_mean_scored"]) == {"cg (gate hard)", "ungated (gate none)"}
    assert data["reward"]["cg (gate hard)"][0] == list(range(1, 11))  # train records only
    out = tmp_path / "curves.png"
    result = CliRunner().invoke(app, ["train", "plot", *map(str, runs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_rejects_a_folder_without_metrics(tmp_path):
    result = CliRunner().invoke(app, ["train", "plot", str(tmp_path)])
    assert result.exit_code == 2 and "no metrics.jsonl" in result.output


def test_train_command_errors_and_dry_run(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(app, ["train", "--config", str(CONFIGS / "cg_grpo.yaml"), "--set", "max_stepz=1"])
    assert bad.exit_code == 2 and "error: " in bad.output and "max_stepz" in bad.output
    missing_rm = runner.invoke(app, ["train", "--config", str(CONFIGS / "cg_grpo_7b.yaml")])
    assert missing_rm.exit_code == 2 and "rm_model" in missing_rm.output
    dry = runner.invoke(app, ["train", "--config", str(CONFIGS / "ungated.yaml"), "--max-steps", "2",
                              "--output-dir", str(tmp_path / "run"), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "max_steps: 2" in dry.output and "gate: none" in dry.output
    assert not (tmp_path / "run").exists()
