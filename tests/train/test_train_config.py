"""TrainConfig: the ready configs load, overrides reach the nested mappings, mistakes name the key, and the
TRL arguments carry the knobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from recode.reward.config import ConfigError
from recode.train.config import TrainConfig

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "train"


@pytest.mark.parametrize("name, gate", [("cg_grpo", "hard"), ("grpo", "outcome_only"), ("ungated", "none")])
def test_smoke_configs_resolve(name, gate):
    cfg = TrainConfig.load(CONFIGS / f"{name}.yaml")
    reward = cfg.reward_settings()
    assert reward.gate == gate
    assert reward.scorer == (None if gate == "outcome_only" else "length")
    assert cfg.beta == 0.0 and cfg.epsilon_high == 0.28 and cfg.loss_type == "dapo"


@pytest.mark.parametrize("name", ["cg_grpo_7b", "ungated_7b"])
def test_7b_configs_need_a_reward_model(name):
    cfg = TrainConfig.load(CONFIGS / f"{name}.yaml")
    assert cfg.model == "Qwen/Qwen2.5-Coder-7B-Instruct" and cfg.use_vllm == "auto"
    with pytest.raises(ConfigError, match="rm_model"):
        cfg.reward_settings()
    cfg = TrainConfig.load(CONFIGS / f"{name}.yaml", ["reward.rm_model=/models/rm"])
    assert cfg.reward_settings().rm_model == "/models/rm" and cfg.reward_settings().rm_batch_size == 32
    assert TrainConfig.load(CONFIGS / "grpo_7b.yaml").reward_settings().scorer is None


def test_overrides_and_yaml_floats():
    cfg = TrainConfig.load(CONFIGS / "cg_grpo.yaml", ["max_steps=3", "reward.gate=pass_rate", "trl.warmup_steps=2",
                                                      "learning_rate=1e-5", "train_tasks=a.jsonl"])
    assert cfg.max_steps == 3 and cfg.learning_rate == 1e-5 and cfg.train_tasks == ["a.jsonl"]
    assert cfg.reward["gate"] == "pass_rate" and cfg.reward["scorer"] == "length"  # merged, not replaced
    assert cfg.trl == {"warmup_steps": 2}


@pytest.mark.parametrize("override, message", [
    ("max_stepz=3", "unknown key"),
    ("max_steps=many", "max_steps must be int"),
    ("model.name=x", "model is not a mapping"),
    ("trl.no_such_field=1", "not a field of TRL's GRPOConfig"),
    ("trl.beta=0.1", "set beta as top-level"),
    ("num_generations=3", "multiple of num_generations"),
    ("monitor_action=panic", "monitor_action"),
    ("epsilon_high=0.1", "epsilon_high"),
    ("eval_tasks=[]", None),
])
def test_mistakes_name_the_key(override, message):
    if message is None:  # eval_steps without eval tasks
        with pytest.raises(ConfigError, match="eval_steps"):
            TrainConfig.load(CONFIGS / "cg_grpo.yaml", [override])
        return
    with pytest.raises(ConfigError, match=message):
        TrainConfig.load(CONFIGS / "cg_grpo.yaml", [override])


def test_reward_typos_fail_before_training():
    cfg = TrainConfig.load(CONFIGS / "cg_grpo.yaml", ["reward.gaet=none"])
    with pytest.raises(ConfigError, match="unknown key"):
        cfg.reward_settings()


def test_grpo_arguments_carry_the_knobs(tmp_path):
    pytest.importorskip("trl")
    from recode.train.trainer import grpo_args

    cfg = TrainConfig.load(CONFIGS / "cg_grpo.yaml", [f"output_dir={tmp_path}", "report_to=none", "beta=0.04",
                                                      "loss_type=dr_grpo", "fast_generation=true",
                                                      "trl.mask_truncated_completions=true"])
    args = grpo_args(cfg, use_cpu=True)
    assert (args.beta, args.epsilon, args.epsilon_high, args.loss_type) == (0.04, 0.2, 0.28, "dr_grpo")
    assert (args.num_generations, args.max_completion_length, args.temperature) == (4, 128, 1.0)
    assert args.generation_batch_size == 16 and args.save_steps == 4 and args.eval_steps == 4
    assert args.mask_truncated_completions and args.logging_steps == 1 and not args.use_vllm
    assert args.cache_implementation is None  # static cache + compile only on a GPU
    assert args.model_init_kwargs == {"dtype": "float32"}
