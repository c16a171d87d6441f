"""The generator as `recode synth` uses it: resumable, rate-limited, tallied, created only when needed.

`SynthLLM(cfg, out)` is the `GenerateFn` of seeds.py and variants.py: `llm(keys, chats, n, temperature,
max_new_tokens, label)`. Every completion goes through `recode.generate.cache.generate_cached` into
`out/generations.jsonl`, so a killed run continues where it stopped and a rerun redoes nothing finished. The
backend (any of recode.generate: hf, vllm, openai, with `generator_options` such as base_url, concurrency,
max_retries) is built on the first completion that is not cached: a fully cached rerun loads no model.
`requests_per_minute` in `generator_options` throttles requests on the client side (on top of the openai
backend's retries with backoff on HTTP 429). The tally (requests, tokens, cost at the configured prices) is
added to `out/tally.json` when the SynthLLM closes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from recode.synth.config import SynthConfig
from recode.synth.prompts import DOMAINS


class RateLimited:
    """Wraps a generator so that prompts start at most `rpm` per minute (sent in windows of ~10 s of budget)."""

    def __init__(self, generator, rpm: float, clock=time.monotonic, sleep=time.sleep):
        self.generator, self.rpm, self.clock, self.sleep = generator, rpm, clock, sleep
        self.model = generator.model
        self._next = None

    def generate(self, chats, sampling, on_progress=None):
        window = max(1, int(self.rpm / 6))
        outs = []
        for start in range(0, len(chats), window):
            part = chats[start:start + window]
            now = self.clock()
            self._next = now if self._next is None else max(self._next, now)
            if self._next > now:
                self.sleep(self._next - now)
            self._next += len(part) * 60.0 / self.rpm
            outs += self.generator.generate(part, sampling, (lambda d, t, b=start: on_progress(b + d, len(chats)))
                                            if on_progress else None)
        return outs


class SynthLLM:
    def __init__(self, cfg: SynthConfig, out: Path, chunk_size: int = 64, progress: bool = True):
        self.cfg, self.out, self.chunk_size, self.progress = cfg, Path(out), chunk_size, progress
        self.options = dict(cfg.generator_options)
        self.rpm = self.options.pop("requests_per_minute", None)
        self._generator = self._runner = None  # the backend, and the backend as called (rate-limited or not)
        self.cached = self.generated = 0

    def runner(self):
        if self._runner is None:
            from recode.generate import make_generator

            self._generator = make_generator(self.cfg.backend, self.cfg.model, **self.options)
            self._runner = RateLimited(self._generator, float(self.rpm)) if self.rpm else self._generator
        return self._runner

    def __call__(self, keys, chats, n, temperature, max_new_tokens, label):
        from recode.generate import SamplingConfig
        from recode.generate.cache import generate_cached

        if not chats:
            return []
        sampling = SamplingConfig(n=n, temperature=temperature, max_new_tokens=max_new_tokens, seed=self.cfg.seed)
        lazy = _Lazy(self)
        counts: dict = {}
        if self.progress:
            from recode.cli import progress_bar

            with progress_bar() as bar:
                task = bar.add_task(label, total=len(chats))
                outs = generate_cached(lazy, keys, chats, sampling, self.out / "generations.jsonl",
                                       model=self.cfg.model, chunk_size=self.chunk_size, counts=counts,
                                       on_progress=lambda done, total: bar.update(task, completed=done))
        else:
            outs = generate_cached(lazy, keys, chats, sampling, self.out / "generations.jsonl", model=self.cfg.model,
                                   chunk_size=self.chunk_size, counts=counts)
        self.cached += counts.get("cached", 0)
        self.generated += counts.get("generated", 0)
        return outs

    def tally(self) -> dict:
        stats = self._generator.stats if self._generator is not None else None
        prompt_tokens = stats.prompt_tokens if stats else 0
        completion_tokens = stats.completion_tokens if stats else 0
        cost = (prompt_tokens * self.cfg.prompt_price_per_mtok
                + completion_tokens * self.cfg.completion_price_per_mtok) / 1e6
        return {"backend": self.cfg.backend, "model": self.cfg.model, "completions_generated": self.generated,
                "completions_cached": self.cached, "requests": stats.prompts if stats else 0,
                "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "generation_seconds": round(stats.seconds, 1) if stats else 0.0, "cost": round(cost, 6)}

    def close(self) -> None:
        tally_path = self.out / "tally.json"
        total = json.loads(tally_path.read_text()) if tally_path.exists() else {}
        for key, value in self.tally().items():
            if isinstance(value, (int, float)):
                total[key] = round(total.get(key, 0) + value, 6)
        from recode.io import write_json

        write_json(tally_path, total)
        if self._generator is not None:
            self._generator.close()
            self._generator = self._runner = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Lazy:
    """What generate_cached sees: builds the real generator on the first prompt that is not cached."""

    def __init__(self, owner: SynthLLM):
        self.owner, self.model = owner, owner.cfg.model

    def generate(self, chats, sampling, on_progress=None):
        return self.owner.runner().generate(chats, sampling, on_progress)


def load_problem_tasks(cfg: SynthConfig) -> list:
    """The problems to seed: every task of `cfg.tasks` in a domain synth knows, optionally short ones only."""
    from recode.io import DataError
    from recode.tasks import load_tasks

    per_spec = [load_tasks(spec, cfg.limit) for spec in cfg.tasks]
    if cfg.max_problem_words:
        per_spec = [[t for t in ts if len(t.user_prompt().split()) <= cfg.max_problem_words] for ts in per_spec]
    if cfg.max_problems:
        share = -(-cfg.max_problems // len(per_spec))  # the same share of each spec, rounded up
        per_spec = [ts[:share] for ts in per_spec]
    tasks = [t for ts in per_spec for t in ts][:cfg.max_problems]
    unknown = sorted({t.domain for t in tasks} - set(DOMAINS))
    if unknown:
        raise DataError(f"tasks of domain(s) {', '.join(unknown)} have no seed prompts (recode.synth.prompts.DOMAINS)")
    if not tasks:
        raise DataError(f"no problems left from {cfg.tasks} (limit {cfg.limit}, max_problem_words "
                        f"{cfg.max_problem_words})")
    return tasks


def seed_verifiers(domains: set[str]) -> dict:
    """domain -> the reward's outcome verifier (recode.reward.verifiers.VERIFIERS), with default settings."""
    from recode.reward.config import RewardConfig
    from recode.reward.verifiers import VERIFIERS

    settings = RewardConfig(gate="outcome_only")
    return {d: VERIFIERS[d](settings, None) for d in sorted(domains)}
