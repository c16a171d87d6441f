"""Slow checks (`pytest -m slow`): a real SIGKILL of `recode train` and its resumption, and the GPU benchmark
script on CPU with tiny sizes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recode.io import read_jsonl

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _config(tmp_path: Path, tiny_lm: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(f"""output_dir: {tmp_path / 'run'}
model: {tiny_lm}
train_tasks: [mbpp-train]
train_limit: 8
reward_config: {ROOT / 'configs/reward/cg_grpo.yaml'}
reward: {{scorer: length, rm_model: null, sandbox_workers: 2}}
num_generations: 2
per_device_train_batch_size: 4
gradient_accumulation_steps: 1
max_completion_length: 16
max_steps: 5
save_steps: 2
report_to: none
""")
    return path


def test_sigkill_then_resume(tmp_path, tiny_lm):
    config = _config(tmp_path, tiny_lm)
    command = [sys.executable, "-m", "recode.cli", "train", "--config", str(config)]
    metrics = tmp_path / "run" / "metrics.jsonl"
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:  # kill once step 3 is logged: after checkpoint-2
        if metrics.exists() and any(r.get("step") == 3 for r in read_jsonl(metrics)):
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.2)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "resumed from step" in done.stdout
    steps = [r["step"] for r in read_jsonl(metrics) if r["kind"] == "train"]
    assert steps == [1, 2, 3, 4, 5]


def test_gpu_benchmark_script_runs_on_cpu(tmp_path, tiny_lm):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "benchmarks/gpu_train.py"), "--model", tiny_lm, "--out", str(out),
               "--prompts", "2", "--generations", "2", "--max-new-tokens", "8", "--max-steps", "2",
               "--budget-s", "240"]
    done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=400)
    result = json.loads(out.read_text())
    assert done.returncode == 0, (result["errors"], done.stderr[-2000:])
    for variant in ("defaults", "fast"):
        summary = result["variants"][variant]["summary"]
        assert summary["steps"] >= 1 and summary["generation_tokens_per_s"] > 0
        step = result["variants"][variant]["steps"][0]
        assert step["time/step_s"] >= step["time/generation_s"] + step["time/reward_s"]
    assert {"generation_tokens_per_s", "step_time", "generation_time"} <= set(result["speedup_fast_over_defaults"])
