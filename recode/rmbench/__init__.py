"""Reasoning reward benchmark (the paper's LiveCodeBench-RewardBench, LCB-RB): build preference pairs of a better
and a worse reasoning for the same problem from executed samples, review them, and measure how often a reward
model (or an LLM judge) prefers the better one. See docs/rmbench.md."""

from recode.rmbench.pairs import Pair, Side, load_pairs, read_pairs, write_pairs

__all__ = ["Pair", "Side", "load_pairs", "read_pairs", "write_pairs"]
