"""The generation interface every backend implements: chat prompts in, n completions per prompt out.

A prompt is a chat: a list of `{"role": "system" | "user" | "assistant", "content": str}` messages. Every
backend applies the model's own chat template (HF: `tokenizer.apply_chat_template`; vLLM: `LLM.chat`; an
OpenAI-compatible server: server side), so the same prompts mean the same thing on every backend.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

Message = dict[str, str]
Chat = list[Message]
ProgressFn = Callable[[int, int], None]  # (prompts done, prompts total)
ROLES = ("system", "user", "assistant")


class GenerationError(RuntimeError):
    """Generation cannot proceed (bad prompts, model or server unavailable); the message says what to fix."""


@dataclass
class SamplingConfig:
    """How to decode. The same config gives the same cache key on every backend (see `key`)."""

    n: int = 1  # completions per prompt
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    max_new_tokens: int = 512
    seed: int = 0
    stop: list[str] = field(default_factory=list)  # cut each completion before the first of these

    def __post_init__(self) -> None:
        if not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"sampling.n must be an integer >= 1, got {self.n!r}")
        if self.temperature < 0:
            raise ValueError(f"sampling.temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"sampling.top_p must be in (0, 1], got {self.top_p}")
        if not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise ValueError(f"sampling.max_new_tokens must be an integer >= 1, got {self.max_new_tokens!r}")
        if isinstance(self.stop, str) or not all(isinstance(s, str) and s for s in self.stop):
            raise ValueError(f"sampling.stop must be a list of non-empty strings, got {self.stop!r}")
        self.stop = list(self.stop)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def decoding(self) -> dict:
        """What determines a completion besides the prompt and sample index (n only says how many)."""
        out = asdict(self)
        del out["n"]
        if self.greedy:  # greedy decoding ignores these, so they must not split the cache
            out.pop("top_p")
            out.pop("seed")
        return out

    def key(self) -> str:
        """A short stable hash of `decoding()`, for caches."""
        return hashlib.sha256(json.dumps(self.decoding(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class GenerationStats:
    """Cumulative counts of one generator, for throughput reports."""

    prompts: int = 0
    completions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return dict(asdict(self), tokens_per_s=round(self.tokens_per_s, 2))


def check_prompts(prompts: Sequence[Chat]) -> list[Chat]:
    """Validate chats up front, so a bad one fails before hours of generation, naming its index."""
    if isinstance(prompts, (str, dict)):
        raise GenerationError("prompts must be a list of chats (each a list of {'role', 'content'} messages)")
    out = []
    for i, chat in enumerate(prompts):
        if not isinstance(chat, (list, tuple)) or not chat:
            raise GenerationError(f"prompt {i}: expected a non-empty list of messages, got {type(chat).__name__}")
        for j, msg in enumerate(chat):
            if not isinstance(msg, dict) or msg.get("role") not in ROLES or not isinstance(msg.get("content"), str):
                raise GenerationError(f"prompt {i} message {j}: expected {{'role': one of {ROLES}, "
                                      f"'content': str}}, got {msg!r:.200}")
        out.append([{"role": m["role"], "content": m["content"]} for m in chat])
    return out


def apply_stop(text: str, stop: Sequence[str]) -> str:
    """Cut `text` before the earliest stop string (OpenAI semantics: the stop string is not returned).

    Example:
        >>> apply_stop("a = 1\\n```\\nmore", ["```", "\\nmore"])
        'a = 1\\n'
    """
    cuts = [i for i in (text.find(s) for s in stop) if i != -1]
    return text[:min(cuts)] if cuts else text


class Generator:
    """A loaded model (or a client to one). Subclasses implement `_generate`; `close` frees resources."""

    name: str = ""  # the backend's registry name

    def __init__(self, model: str) -> None:
        self.model = model
        self.stats = GenerationStats()

    def generate(self, prompts: Sequence[Chat], sampling: SamplingConfig | None = None,
                 on_progress: ProgressFn | None = None) -> list[list[str]]:
        """`sampling.n` completions for each prompt, in prompt order. `on_progress(done, total)` counts prompts."""
        sampling = sampling or SamplingConfig()
        chats = check_prompts(prompts)
        if not chats:
            return []
        reported = [0]

        def progress(done: int, total: int) -> None:
            reported[0] = done
            if on_progress:
                on_progress(done, total)

        outs = self._generate(chats, sampling, progress)
        if on_progress and reported[0] != len(chats):  # a backend that reports nothing still ends at 100%
            on_progress(len(chats), len(chats))
        if len(outs) != len(chats) or any(len(o) != sampling.n for o in outs):
            raise GenerationError(f"{self.name} backend returned {[len(o) for o in outs]} completions for "
                                  f"{len(chats)} prompts x n={sampling.n}")
        self.stats.prompts += len(chats)
        self.stats.completions += len(chats) * sampling.n
        return outs

    def _generate(self, chats: list[Chat], sampling: SamplingConfig,
                  on_progress: ProgressFn | None) -> list[list[str]]:
        raise NotImplementedError

    def close(self) -> None:
        """Free the model or connection. Safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_generator(backend: str, model: str, **options) -> Generator:
    """A generator of the named backend: `hf`, `vllm` or `openai`. Options go to the backend's constructor."""
    from recode.generate import BACKENDS

    if backend not in BACKENDS:
        raise GenerationError(f"unknown generation backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[backend](model, **options)
