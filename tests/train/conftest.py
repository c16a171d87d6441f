"""Fixtures for the training tests: a scripted policy and a small training config on the tiny random model.

A random tiny model never writes the reasoning format, so every reward part would be 0 and the arithmetic
checks would hold trivially. `scripted_policy` replaces TRL's generation (only that: the trainer still computes
log-probabilities, advantages, the loss and the update on the tiny model) with completions of three kinds, in
turn: the task's reference solution with its reasoning (passes), formatted but wrong code, and plain text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recode.tasks import load_tasks
from recode.text import format_completion

N_TASKS = 6
REWARD_CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "reward"


@pytest.fixture(scope="session")
def train_tasks():
    return load_tasks("mbpp-train", limit=N_TASKS)


def scripted_texts(task, index: int) -> str:
    kind = index % 3
    if kind == 0:
        return format_completion("Loop over the input and build the result as the tests expect it.", task.solution)
    if kind == 1:
        return format_completion("Guess.", "def unrelated():\n    return None")
    return "I am not sure how to solve this."


@pytest.fixture
def scripted_policy(monkeypatch, train_tasks):
    trl = pytest.importorskip("trl")

    def generate(self, prompt_ids, *args, **kwargs):
        tokenizer = self.processing_class
        completions = []
        for i, ids in enumerate(prompt_ids):
            prompt = tokenizer.decode(ids)
            task = next((t for t in train_tasks if t.problem.strip()[:80] in prompt), None)
            text = (scripted_texts(task, i) if task else "An answer without the format.") + tokenizer.eos_token
            completions.append(tokenizer(text, add_special_tokens=False)["input_ids"][:self.max_completion_length])
        return completions, None

    monkeypatch.setattr(trl.GRPOTrainer, "_generate_single_turn", generate)


@pytest.fixture
def small_config(tmp_path, tiny_lm):
    """A function building a TrainConfig for a few fast CPU steps on the tiny model."""
    from recode.train.config import TrainConfig

    def make(name: str, reward_config: str = "cg_grpo", *overrides: str) -> TrainConfig:
        base = [f"output_dir={tmp_path / name}", f"model={tiny_lm}",
                f"reward_config={REWARD_CONFIGS / (reward_config + '.yaml')}",
                f"train_limit={N_TASKS}", "num_generations=2", "per_device_train_batch_size=4",
                "gradient_accumulation_steps=1", "max_completion_length=192", "max_steps=3", "save_steps=2",
                "report_to=none", "samples_per_step=4", "gradient_checkpointing=false", "learning_rate=1e-4"]
        return TrainConfig.load(None, base + list(overrides))

    return make
