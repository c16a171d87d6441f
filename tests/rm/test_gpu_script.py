"""The GPU throughput script runs on CPU with tiny sizes and writes its measurements."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_rm_score_runs_on_cpu(tiny_rm, tmp_path):
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_rm_score.py"), "--model", tiny_rm, "--records", "40",
                    "--median-words", "40", "--batch-sizes", "8,16", "--device", "cpu", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    result = json.loads(out.read_text())
    assert result["records"] == 40 and result["device"] == "cpu"
    assert [r["batch_size"] for r in result["runs"]] == [8, 16]
    for run in result["runs"]:
        assert run["records_per_s"] > 0 and run["tokens_per_s"] > 0 and run["finite_scores"]
        assert 0 <= run["padding_overhead"] < 1  # sorted by length: batches hold similar lengths
    assert result["tokens_total"] > 40 * 40


@pytest.mark.slow
def test_gpu_rm_score_random_init(tiny_lm, tmp_path):
    """A causal LM folder (config + tokenizer) becomes a random 1-label RM."""
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_rm_score.py"), "--model", tiny_lm, "--random-init",
                    "--records", "10", "--batch-sizes", "4", "--device", "cpu", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    assert json.loads(out.read_text())["runs"][0]["finite_scores"]
