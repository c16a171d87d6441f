"""Process scorers: what turns (problem, reasoning) into R_proc, and the mapping of raw scores to [0, 1].

Registry (`SCORERS`): `hf` (a local or Hub sequence-classification RM, see hf_scorer.py), `remote` (a scoring
server: another `recode reward serve` with an RM, POST /score), `constant` and `length` (ablations: a fixed
R_proc, or one that only measures how long the reasoning is), and `external` (the engine's own RM scored the
rollouts already: verl's `rm_scores` or its reward-model router; see verl_adapter.py).

A scorer's `outputs` says what its numbers are: "logit" (an RM's raw score: mapped to [0, 1] by
`proc_mapping`) or "unit" (already in [0, 1]: the sigmoid is skipped, but `rank`/`minmax` still apply).
`uses_cpu` says whether scoring competes with the sandbox for the CPU (decides `overlap: auto`).
A scorer that fails raises `ScorerError`: an infrastructure failure is never turned into a reward.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections import defaultdict
from typing import Protocol

from recode.reward.config import RewardConfig


class ScorerError(RuntimeError):
    """The process scorer could not score (model failed to load, server unreachable, bad reply)."""


class Scorer(Protocol):
    outputs: str  # "logit" | "unit"
    uses_cpu: bool  # scoring needs this machine's CPU (so it should not run alongside the sandbox)

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]: ...

    def close(self) -> None: ...


class ConstantScorer:
    """R_proc = a constant: isolates the effect of the gate's extra reward mass from the RM's judgement."""

    outputs = "unit"
    uses_cpu = True  # negligible work: overlapping it would only split the sandbox batch

    def __init__(self, value: float = 0.5):
        self.value = float(value)

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]:
        return [self.value] * len(reasonings)

    def close(self) -> None:
        pass


class LengthScorer:
    """R_proc = min(1, words / target): the "longer reasoning is better" straw man a hackable RM degrades to."""

    outputs = "unit"
    uses_cpu = True

    def __init__(self, target_words: int = 400):
        self.target = int(target_words)

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]:
        return [min(1.0, len(r.split()) / self.target) for r in reasonings]

    def close(self) -> None:
        pass


class RemoteScorer:
    """Scores through a scoring server: POST {url}/score {"problems": [...], "reasonings": [...]} -> {"scores"}."""

    outputs = "logit"
    uses_cpu = False

    def __init__(self, url: str, timeout_s: float = 300.0):
        self.url = url.rstrip("/") + "/score"
        self.timeout_s = timeout_s

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]:
        if not reasonings:
            return []
        body = json.dumps({"problems": problems, "reasonings": reasonings}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                reply = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ScorerError(f"scoring server {self.url}: HTTP {exc.code}: {exc.read()[:500]!r}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ScorerError(f"scoring server {self.url}: {exc}") from None
        scores = reply.get("scores") if isinstance(reply, dict) else None
        if not isinstance(scores, list) or len(scores) != len(reasonings):
            raise ScorerError(f"scoring server {self.url}: expected {len(reasonings)} scores, got {reply!r:.300}")
        return [float(s) for s in scores]

    def close(self) -> None:
        pass


class ExternalScorer:
    """The RM runs elsewhere and its raw scores come with the rollouts (`Rollout.proc_raw`: verl's reward-model
    worker). Asking this scorer for a score means a gate-open rollout arrived without one."""

    outputs = "logit"
    uses_cpu = True

    def score(self, problems: list[str], reasonings: list[str]) -> list[float]:
        raise ScorerError("scorer 'external': a gate-open rollout came without its RM score (Rollout.proc_raw); "
                          "enable verl's reward model or choose a scorer that runs the RM (hf, remote)")

    def close(self) -> None:
        pass


def _hf(cfg: RewardConfig) -> Scorer:
    from recode.reward.hf_scorer import HFScorer  # torch and transformers load only when an RM is used

    return HFScorer(cfg.rm_model, gguf_file=cfg.rm_gguf_file, device=cfg.rm_device, dtype=cfg.rm_dtype,
                    batch_size=cfg.rm_batch_size, max_length=cfg.rm_max_length)


# name -> factory(config). Names must match recode.reward.config.SCORER_NAMES.
SCORERS = {
    "hf": _hf,
    "remote": lambda cfg: RemoteScorer(cfg.rm_url, cfg.rm_timeout_s),
    "constant": lambda cfg: ConstantScorer(cfg.constant_value),
    "length": lambda cfg: LengthScorer(cfg.length_target_words),
    "external": lambda cfg: ExternalScorer(),
}


def build_scorer(cfg: RewardConfig) -> Scorer | None:
    """The configured scorer, or None for `outcome_only` (which never calls one)."""
    if cfg.gate == "outcome_only" or cfg.scorer is None:
        return None
    return SCORERS[cfg.scorer](cfg)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _ranks(values: list[float]) -> list[float]:
    """Ranks 0..n-1 with ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def to_unit(raw: list[float], groups: list[str], mapping: str, temperature: float = 1.0, offset: float = 0.0,
            outputs: str = "logit") -> list[float]:
    """Map raw scores to R_proc in [0, 1].

    - sigmoid: `sigmoid((raw - offset) / temperature)` for logits; unit scores pass through unchanged.
    - rank: the score's rank among the scored rollouts of its group, scaled to [0, 1] (ties share a rank).
    - minmax: `(raw - min) / (max - min)` within the group.
    A group with one scored rollout, or all scores equal, gets 0.5 under rank and minmax (no information).

    Example:
        >>> to_unit([0.0, 2.0, -1.0, 5.0], ["a", "a", "a", "b"], "rank")
        [0.5, 1.0, 0.0, 0.5]
    """
    if mapping == "sigmoid":
        return [_sigmoid((r - offset) / temperature) if outputs == "logit" else min(1.0, max(0.0, r)) for r in raw]
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    unit = [0.5] * len(raw)
    for idx in members.values():
        values = [raw[i] for i in idx]
        lo, hi = min(values), max(values)
        if len(idx) < 2 or lo == hi:
            continue
        scaled = [r / (len(idx) - 1) for r in _ranks(values)] if mapping == "rank" else \
            [(v - lo) / (hi - lo) for v in values]
        for i, u in zip(idx, scaled):
            unit[i] = u
    return unit
