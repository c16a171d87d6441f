"""The reward config: YAML in, unknown keys and bad values out, with the key named."""

import pytest

from recode.reward.config import ConfigError, RewardConfig


def test_defaults_need_a_scorer_except_outcome_only():
    with pytest.raises(ConfigError, match="gate 'hard' needs a process scorer"):
        RewardConfig()
    assert RewardConfig(gate="outcome_only").scorer is None


def test_load_yaml_with_overrides(tmp_path):
    path = tmp_path / "reward.yaml"
    path.write_text("gate: none\nscorer: constant\nconstant_value: 0.25\nproc_weight: 1\n")
    cfg = RewardConfig.load(path, ["proc_weight=0.5", "gate_requires_format=true"])
    assert (cfg.gate, cfg.constant_value, cfg.proc_weight, cfg.gate_requires_format) == ("none", 0.25, 0.5, True)
    assert isinstance(cfg.proc_weight, float)
    assert RewardConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("text, message", [
    ("gate: soft\nscorer: constant\n", "gate: 'soft' is not one of"),
    ("scorer: constant\nproc_wieght: 0.5\n", "unknown key.s. proc_wieght"),
    ("scorer: constant\nproc_weight: heavy\n", "proc_weight must be float"),
    ("scorer: constant\nstrict_extraction: 1\n", "strict_extraction must be bool"),
    ("scorer: constant\noverlap: sometimes\n", "overlap: 'sometimes' is not one of"),
    ("scorer: hf\n", "rm_model: scorer 'hf' needs"),
    ("scorer: remote\n", "rm_url: scorer 'remote' needs"),
    ("scorer: constant\nconstant_value: 2\n", "constant_value: must lie in"),
    ("scorer: constant\nproc_mapping: zscore\n", "proc_mapping: 'zscore'"),
    ("scorer: constant\nrm_batch_size: 0\n", "rm_batch_size: must be at least 1"),
    ("- a list\n", "expected a mapping"),
    ("gate: [unclosed\n", "not valid YAML"),
])
def test_bad_configs_name_the_key(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        RewardConfig.load(path)


def test_bad_override_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="expected key=value"):
        RewardConfig.load(None, ["gate"])
    with pytest.raises(ConfigError, match="cannot read"):
        RewardConfig.load(tmp_path / "nope.yaml")


def test_shipped_configs_load(tmp_path):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "configs" / "reward"
    configs = sorted(folder.glob("*.yaml"))
    assert {p.stem for p in configs} == {"cg_grpo", "naive_additive", "soft_gate", "outcome_only"}
    gates = {p.stem: RewardConfig.load(p, [] if p.stem == "outcome_only" else ["rm_model=my/rm"]).gate
             for p in configs}
    assert gates == {"cg_grpo": "hard", "naive_additive": "none", "soft_gate": "pass_rate",
                     "outcome_only": "outcome_only"}
    with pytest.raises(ConfigError, match="rm_model"):
        RewardConfig.load(folder / "cg_grpo.yaml")  # the RM has no default
