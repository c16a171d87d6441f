"""The consistency-gated reward: R = R_fmt + R_out + 1[R_out = 1] * R_proc, with its parts, for every trainer.

    from recode.reward import RewardConfig, RewardPipeline, Rollout
    with RewardPipeline(RewardConfig(gate="hard", scorer="constant")) as pipeline:
        batch = pipeline.score([Rollout(task, completion)])
        batch.parts[0].total, batch.metrics()

Modules: parts (the gate arithmetic), config, pipeline, verifiers (sandbox, math-verify), scorers and
hf_scorer (process reward models), rm_input (what the RM reads), preflight, server (HTTP), and the trainer
adapters trl_adapter and verl_adapter.
"""

from recode.reward.config import ConfigError, RewardConfig
from recode.reward.parts import GATE_MODES, RewardParts, gate_value, summarize, total_reward
from recode.reward.pipeline import RewardBatch, RewardPipeline, Rollout
from recode.reward.scorers import ScorerError

__all__ = ["GATE_MODES", "ConfigError", "RewardBatch", "RewardConfig", "RewardParts", "RewardPipeline", "Rollout",
           "ScorerError", "gate_value", "summarize", "total_reward"]
