"""`ReCodeRewardManager`: the consistency-gated reward as a verl (0.9) reward manager. Needs verl installed.

Use it from a verl config (Hydra overrides):

    reward.reward_manager.source=importlib
    reward.reward_manager.module.path=<site-packages>/recode/reward/verl_manager.py
    reward.reward_manager.name=ReCodeRewardManager
    +reward.reward_kwargs.recode_config=configs/reward.yaml

It implements verl's reward-loop contract, `async run_single(data) -> {"reward_score", "reward_extra_info"}`
(calls made concurrently by verl's RewardLoopWorker are batched by a `RewardService`), and the batch contract
`__call__(data, return_dict=False)` returning a token-level reward tensor (the total at each response's last
token) and the parts as `reward_extra_info`. Tests come from `reward_model.ground_truth` (verl_adapter.py);
with `scorer: external`, R_proc comes from verl's reward model (`rm_scores` or its router).
"""

from __future__ import annotations

import torch
from verl import DataProto
from verl.experimental.reward_loop.reward_manager import registry
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from recode.reward.verl_adapter import get_service, rollout_from_item, verl_extra_info


class ReCodeRewardManager(RewardManagerBase):
    def __init__(self, config, tokenizer, compute_score=None, reward_router_address=None,
                 reward_model_tokenizer=None, **kwargs):
        super().__init__(config, tokenizer, compute_score)
        reward_kwargs = dict(config.reward.get("reward_kwargs", None) or {})
        router = None
        if reward_router_address is not None:
            rm_cfg = config.reward.reward_model
            router = {"address": reward_router_address, "tokenizer": reward_model_tokenizer,
                      "model": rm_cfg.get("model_path"), "engine": rm_cfg.rollout.get("name")}
        self.service = get_service(reward_kwargs.get("recode_config"),
                                   tuple(reward_kwargs.get("recode_overrides") or ()), router)

    async def run_single(self, data: DataProto) -> dict:
        item = data[-1:][0]  # for multi-sequence outputs verl rewards the last sequence
        rollout = await self.loop.run_in_executor(None, rollout_from_item, item, self.tokenizer)
        parts, _ = await self.loop.run_in_executor(None, self.service.submit, [rollout])
        return {"reward_score": parts[0].total, "reward_extra_info": verl_extra_info(parts[0])}

    def __call__(self, data: DataProto, return_dict: bool = False):
        """The whole batch at once: a reward tensor shaped like `responses`, the total at each last token."""
        rollouts = [rollout_from_item(data[i], self.tokenizer) for i in range(len(data))]
        parts, _ = self.service.submit(rollouts)
        responses = data.batch["responses"]
        lengths = data.batch["attention_mask"][:, -responses.shape[-1]:].sum(dim=-1)
        reward = torch.zeros_like(responses, dtype=torch.float32)
        reward[torch.arange(len(parts)), (lengths - 1).clamp(min=0)] = torch.tensor([p.total for p in parts])
        if not return_dict:
            return reward
        infos = [verl_extra_info(p) for p in parts]
        return {"reward_tensor": reward, "reward_extra_info": {k: [i[k] for i in infos] for k in infos[0]}}


# Also reachable as reward_manager.source=register name=recode once this module is imported. Loading the file
# by path more than once creates new class objects, which verl's `register` would reject: register only once.
if "recode" not in registry.REWARD_MANAGER:
    registry.register("recode")(ReCodeRewardManager)
