"""The math pipeline end to end on CPU: CRPL synthesis on GSM8K train -> a reasoning RM trained on its pairs ->
CG-GRPO steps with that RM behind the math-verify gate (configs/train/cg_grpo_math.yaml), with tiny models.

The generator and the policy's sampling are scripted (a tiny random model writes neither reasoning nor the
format), so that each stage sees what a capable model would give it, including known failures: a wrong final
answer (the seed must be dropped), a degraded rewrite (a wrong calculation). Everything else is real: the
sandbox-free math verification, the rule degraders and quality controls, the pair files, the Bradley-Terry
training of the tiny RM, the TRL update of the tiny policy and the reward's gate and RM calls.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recode.cli import app
from recode.generate.base import Generator
from recode.io import read_jsonl
from recode.tasks import load_tasks
from recode.text import format_completion

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]
CONFIGS = Path(__file__).resolve().parents[2] / "configs"
N_TASKS = 6
runner = CliRunner()


class ScriptedMath(Generator):
    """Free seeds: sample 0 is GSM8K's worked solution with the right answer, sample 1 the same with a wrong one.
    Rewrites: optimize adds a check of the result; degrade changes the first calculation's result."""

    name = "scripted-math"

    def __init__(self, model: str, **_):
        super().__init__(model)
        self.tasks = load_tasks("gsm8k-train", N_TASKS)

    def _one(self, chat, i: int) -> str:
        user = chat[-1]["content"]
        if user.startswith("Problem:"):  # a rewrite (recode.synth.prompts.REWRITE_USER)
            original = user.split("Original reasoning:\n", 1)[1].split("\n\nInstruction:", 1)[0]
            if "Make" in user.split("Instruction:", 1)[1][:20] and "less" not in user and "incoherent" not in user \
                    or "Correct every" in user:
                return original + "\nChecking: each step uses only numbers given in the problem."
            return re.sub(r"= (\d+)", lambda m: f"= {int(m.group(1)) + 7}", original, count=1)
        task = next(t for t in self.tasks if t.problem in user)
        answer = task.tests.answer if i == 0 else str(int(float(task.tests.answer)) + 1)
        return format_completion(task.meta["reference_reasoning"], answer, "math")

    def _generate(self, chats, sampling, on_progress):
        return [[self._one(chat, i) for i in range(sampling.n)] for chat in chats]


def test_crpl_rm_and_cg_grpo_on_gsm8k(tmp_path, tiny_lm, monkeypatch):
    from recode.generate import BACKENDS

    monkeypatch.setitem(BACKENDS, "scripted-math", ScriptedMath)
    synth, rm = tmp_path / "synth", tmp_path / "rm"

    # 1. CRPL: seeds kept only when the final answer verifies; variants along the three dimensions; pairs
    args = ["synth", "run", "--out", str(synth)]
    for o in ["backend=scripted-math", "model=scripted", "tasks=[gsm8k-train]", f"limit={N_TASKS}",
              "seed_mode=free", "seed_samples=2", "val_fraction=0.34",
              "rule_degraders=[drop_step, swap_steps, contradict_claim, wrong_arithmetic]"]:
        args += ["--set", o]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    seeds = read_jsonl(synth / "seeds.jsonl")
    assert len(seeds) == N_TASKS and all(s["domain"] == "math" and s["sample_index"] == 0 for s in seeds)
    variants = read_jsonl(synth / "variants.jsonl")
    sources = {d["source"] for r in variants for d in r["degraded"]}
    assert {"llm:degrade", "rule:wrong_arithmetic", "rule:drop_step"} <= sources
    train_pairs, val_pairs = read_jsonl(synth / "pairs.train.jsonl"), read_jsonl(synth / "pairs.val.jsonl")
    assert train_pairs and val_pairs and {p["pair_type"] for p in train_pairs} == {"opt>orig", "orig>deg", "opt>deg"}

    # 2. the reasoning RM, trained with the same `recode rm train` as for code
    result = runner.invoke(app, ["rm", "train", "--set", f"train_pairs={synth / 'pairs.train.jsonl'}",
                                 "--set", f"val_pairs={synth / 'pairs.val.jsonl'}", "--set", f"output_dir={rm}",
                                 "--set", f"model={tiny_lm}", "--set", "lora=false", "--set", "max_steps=2",
                                 "--set", "max_length=256"])
    assert result.exit_code == 0, result.output
    assert (rm / "model" / "model.safetensors").exists()

    # 3. CG-GRPO with the math config: the gate is math-verify, the RM scores only verified rollouts
    _scripted_policy(monkeypatch)
    from recode.train.config import TrainConfig
    from recode.train.run import train

    cfg = TrainConfig.load(CONFIGS / "train" / "cg_grpo_math.yaml", [
        f"output_dir={tmp_path / 'train'}", f"model={tiny_lm}", "dtype=float32", "train_tasks=[gsm8k-train]",
        f"train_limit={N_TASKS}", "eval_tasks=[]", "eval_steps=0", f"reward.rm_model={rm / 'model'}",
        "reward.rm_device=cpu", "reward.math_workers=1", "num_generations=2", "per_device_train_batch_size=4",
        "gradient_accumulation_steps=1", "max_completion_length=256", "max_steps=2", "save_steps=2",
        "use_vllm=false", "bf16=false", "gradient_checkpointing=false", "report_to=none", "samples_per_step=4",
        "trl={}"])
    result = train(cfg, quiet=True, use_cpu=True)
    assert result.steps == 2
    samples = read_jsonl(result.run_dir / "samples.jsonl")
    passed = [s for s in samples if s["out"] == 1.0]
    failed = [s for s in samples if s["out"] == 0.0]
    assert passed and failed
    assert all(s["gate"] == 1.0 and s["proc"] is not None and 0 < s["proc"] < 1 for s in passed)
    assert all(s["gate"] == 0.0 for s in failed)
    assert all(s["total"] == pytest.approx(s["fmt"] + s["out"] + s["gate"] * (s["proc"] or 0.0)) for s in samples)


def _scripted_policy(monkeypatch) -> None:
    """The policy's sampling, scripted: the reference reasoning with the right answer, then a wrong answer, in
    turn. TRL still computes log-probabilities, advantages, the loss and the update on the tiny model."""
    trl = pytest.importorskip("trl")
    tasks = load_tasks("gsm8k-train", N_TASKS)

    def generate(self, prompt_ids, *args, **kwargs):
        tokenizer = self.processing_class
        out = []
        for i, ids in enumerate(prompt_ids):
            prompt = tokenizer.decode(ids)
            task = next(t for t in tasks if t.problem[:80] in prompt)
            answer = task.tests.answer if i % 2 == 0 else "-1"
            text = format_completion(task.meta["reference_reasoning"], answer, "math") + tokenizer.eos_token
            out.append(tokenizer(text, add_special_tokens=False)["input_ids"][:self.max_completion_length])
        return out, None

    monkeypatch.setattr(trl.GRPOTrainer, "_generate_single_turn", generate)
