"""`recode quickstart`: the whole pipeline, end to end, on one small real model and the local data.

CRPL pairs -> a LoRA reward model -> a short CG-GRPO run -> evaluation of the base and the trained policy ->
the reward model's pairwise accuracy (LCB-RB style) -> report.md / report.html. See runner.py and stages.py.
"""
