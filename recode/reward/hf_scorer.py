"""A Hugging Face sequence-classification reward model (one label) as a process scorer.

Loads from a local directory or a Hub id (`AutoModelForSequenceClassification`, `num_labels=1`; a GGUF file is
de-quantized by transformers). Inference is batched: inputs are sorted by length so a batch holds similar
lengths, padded on the right, and pooled by the model itself at the last non-pad token, so a rollout's score
does not depend on what it is batched with (reward-bench#137; tested). On a GPU it runs in bfloat16.
"""

from __future__ import annotations

import threading

from recode.reward.rm_input import encode_rm_inputs, prepare_rm_tokenizer, rm_input
from recode.reward.scorers import ScorerError

_DTYPES = ("float32", "bfloat16", "float16")


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class HFScorer:
    """Args:
        model: local directory or Hub id.
        gguf_file: a GGUF file inside `model` (optional).
        device: "auto" (cuda when available), "cpu", "cuda", "cuda:1", ...
        dtype: "auto" (bfloat16 on cuda, float32 on cpu) or one of float32 | bfloat16 | float16.
        batch_size: sequences per forward pass.
        max_length: tokens per input; longer inputs are cut at the start (the pooled last token is kept).
    """

    outputs = "logit"

    def __init__(self, model: str, gguf_file: str | None = None, device: str = "auto", dtype: str = "auto",
                 batch_size: int = 16, max_length: int = 4096):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.device = resolve_device(device)
        self.uses_cpu = not self.device.startswith("cuda")  # a GPU RM can score while the sandbox runs
        dtype = ("bfloat16" if self.device.startswith("cuda") else "float32") if dtype == "auto" else dtype
        if dtype not in _DTYPES:
            raise ScorerError(f"rm_dtype {dtype!r}: choose auto or one of {', '.join(_DTYPES)}")
        kwargs = {"gguf_file": gguf_file} if gguf_file else {}
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, **kwargs)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                model, num_labels=1, dtype=getattr(torch, dtype), **kwargs)
        except (OSError, ValueError) as exc:
            raise ScorerError(f"cannot load reward model {model!r}: {exc}") from exc
        try:
            prepare_rm_tokenizer(self.tokenizer)
        except ValueError as exc:
            raise ScorerError(f"reward model {model!r}: {exc}") from None
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model.to(self.device).eval()
        self.batch_size, self.max_length = batch_size, max_length
        self.chat = bool(getattr(self.tokenizer, "chat_template", None))  # else the plain template (rm_input.py)
        self._lock = threading.Lock()  # one forward at a time: the server may call from several threads

    def texts(self, problems: list[str], reasonings: list[str]) -> list[str]:
        return [rm_input(p, r, self.tokenizer) for p, r in zip(problems, reasonings)]

    def encode(self, problems: list[str], reasonings: list[str]) -> list[list[int]]:
        """Token ids of the RM inputs (what `score` feeds the model, before padding)."""
        return encode_rm_inputs(self.tokenizer, problems, reasonings, self.max_length)

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]:
        """Raw RM scores (logits), one per (problem, reasoning), in input order."""
        import torch

        encoded = self.encode(problems, reasonings)
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        scores = [0.0] * len(encoded)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                batch = self.tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt")
                batch = {k: v.to(self.device) for k, v in batch.items()}
                logits = self.model(**batch).logits[:, 0].float().cpu().tolist()
                for i, value in zip(idx, logits):
                    scores[i] = value
        return scores

    def close(self) -> None:
        self.model = None
