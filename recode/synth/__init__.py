"""Contrastive reasoning pairs (CRPL data): seeds, optimized/degraded rewrites, quality controls, pairs.

Modules: config (SynthConfig), prompts (versioned prompts per dimension and per domain), seeds (verified seed
reasoning from a generator), degrade (rule-based degradations), quality (rejecting bad rewrites), variants
(rewrites per seed and dimension), pairs (TRL preference pairs, split, length baseline), commands
(`recode synth`). See docs/synth.md.
"""
