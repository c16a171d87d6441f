"""The reasoning-process reward model (CRPL): Bradley-Terry training on synthetic preference pairs, scoring.

Modules: config (RMTrainConfig), data (pairs -> token ids through the shared RM input template), train (TRL
RewardTrainer, full or LoRA), evaluate (held-out pair accuracy), score (batched scoring, throughput),
commands (`recode rm`). See docs/rm.md.
"""
