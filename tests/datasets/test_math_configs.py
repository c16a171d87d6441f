"""The ready math training configs load, point at math tasks, and differ only in the reward."""

from pathlib import Path

import pytest

from recode.reward.config import ConfigError
from recode.train.config import TrainConfig

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "train"


def test_math_configs_load_with_their_rewards():
    cg = TrainConfig.load(CONFIGS / "cg_grpo_math.yaml", ["reward.rm_model=some/rm"])
    grpo = TrainConfig.load(CONFIGS / "grpo_math.yaml")
    assert cg.train_tasks == grpo.train_tasks == ["math-train"] and cg.eval_tasks == ["math500"]
    assert cg.reward_settings().gate == "hard" and cg.reward_settings().rm_model == "some/rm"
    assert grpo.reward_settings().gate == "outcome_only"
    differ = {k for k, v in cg.to_dict().items() if grpo.to_dict()[k] != v}
    assert differ == {"output_dir", "reward_config", "reward"}


def test_cg_grpo_math_asks_for_its_reward_model():
    with pytest.raises(ConfigError, match="rm_model"):
        TrainConfig.load(CONFIGS / "cg_grpo_math.yaml").reward_settings()


def test_math_crpl_and_rm_configs_load():
    from recode.rm.config import RMTrainConfig
    from recode.synth.config import SynthConfig

    synth = SynthConfig.load(CONFIGS.parent / "synth" / "math.yaml")
    rm = RMTrainConfig.load(CONFIGS.parent / "rm" / "math.yaml")
    assert synth.tasks == ["math-train"] and "wrong_arithmetic" in synth.rule_degraders
    assert rm.train_pairs.startswith("runs/synth_math/") and rm.output_dir == "runs/rm_math"
