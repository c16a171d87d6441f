"""Preference pairs -> token ids, encoded exactly as the reward's HFScorer encodes what it scores.

The RM's input is `recode.reward.rm_input.rm_input(problem, reasoning, tokenizer)` (the one template shared by
training, scoring and the reward): the tokenizer's chat template over [user: problem, assistant: reasoning]
when it has one, else the plain "Problem: ... Reasoning: ..." text. Tokenization follows HFScorer: special
tokens only when no chat template wrote them, inputs longer than `max_length` lose their *start* (the pooled
last token stays). A test checks that HFScorer scores these very ids.

Pairs are pre-tokenized here (TRL's RewardTrainer then skips its own tokenization, which would apply a different
template: prompt + chosen concatenated, with an EOS appended).
"""

from __future__ import annotations

import os

from recode.io import DataError, iter_jsonl
from recode.reward.rm_input import rm_input

PAIR_FIELDS = ("prompt", "chosen", "rejected")


def read_pairs(path: str | os.PathLike) -> list[dict]:
    """Pair rows (prompt, chosen, rejected as non-empty strings; metadata optional); errors name the line."""
    rows = []
    for lineno, row in iter_jsonl(path, required=PAIR_FIELDS):
        for key in PAIR_FIELDS:
            if not isinstance(row[key], str) or not row[key].strip():
                raise DataError(f"{path}:{lineno}: `{key}` must be a non-empty string")
        row.setdefault("pair_type", "unknown")
        row.setdefault("dimension", "unknown")
        rows.append(row)
    if not rows:
        raise DataError(f"{path}: no pairs")
    return rows


def prepare_tokenizer(tokenizer, max_length: int):
    """Padding and truncation as HFScorer sets them (right padding, left truncation, pad = eos if missing)."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.pad_token is None:
        raise DataError("the tokenizer has neither a pad nor an eos token")
    tokenizer.padding_side, tokenizer.truncation_side = "right", "left"
    tokenizer.model_max_length = max_length
    return tokenizer


def encode(tokenizer, problems: list[str], reasonings: list[str], max_length: int) -> list[list[int]]:
    """Token ids of the RM inputs, as HFScorer.score computes them."""
    chat = bool(getattr(tokenizer, "chat_template", None))
    texts = [rm_input(p, r, tokenizer) for p, r in zip(problems, reasonings)]
    return tokenizer(texts, add_special_tokens=not chat, truncation=True, max_length=max_length)["input_ids"]


def pair_dataset(rows: list[dict], tokenizer, max_length: int):
    """A `datasets.Dataset` of chosen_ids / rejected_ids (what RewardTrainer trains on)."""
    from datasets import Dataset

    prompts = [r["prompt"] for r in rows]
    chosen = encode(tokenizer, prompts, [r["chosen"] for r in rows], max_length)
    rejected = encode(tokenizer, prompts, [r["rejected"] for r in rows], max_length)
    return Dataset.from_dict({"chosen_ids": chosen, "rejected_ids": rejected})
