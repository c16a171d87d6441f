"""Preference pairs -> token ids, encoded by the same function the reward's HFScorer uses for what it scores.

The RM's input is `recode.reward.rm_input` (the one template shared by training, scoring and the reward; see
`encode_rm_inputs` and `prepare_rm_tokenizer` there). A test checks that HFScorer scores these very ids.

Pairs are pre-tokenized here (TRL's RewardTrainer then skips its own tokenization, which would apply a different
template: prompt + chosen concatenated, with an EOS appended).
"""

from __future__ import annotations

import os

from recode.io import DataError, iter_jsonl
from recode.reward.rm_input import encode_rm_inputs

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


def pair_dataset(rows: list[dict], tokenizer, max_length: int):
    """A `datasets.Dataset` of chosen_ids / rejected_ids (what RewardTrainer trains on)."""
    from datasets import Dataset

    prompts = [r["prompt"] for r in rows]
    chosen = encode_rm_inputs(tokenizer, prompts, [r["chosen"] for r in rows], max_length)
    rejected = encode_rm_inputs(tokenizer, prompts, [r["rejected"] for r in rows], max_length)
    return Dataset.from_dict({"chosen_ids": chosen, "rejected_ids": rejected})
