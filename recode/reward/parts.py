"""The reward's parts and the gate: `R = R_fmt + R_out + w * gate * R_proc`, as one visible expression.

Gate modes (the paper's ablations, see shared/docs/paper-notes.md §4.2 and §8):

| mode           | gate                       | RM called on                 | what it is                                  |
|----------------|----------------------------|------------------------------|---------------------------------------------|
| `hard`         | 1[R_out = 1]               | rollouts that pass all tests | CG-GRPO, eq. (1) of the paper (default)     |
| `none`         | 1                          | every rollout                | the naive additive reward that gets hacked  |
| `pass_rate`    | fraction of tests passed   | rollouts passing any test    | the "soft gate" ablation                    |
| `outcome_only` | 0                          | none (no RM at all)          | plain GRPO: R = R_fmt + R_out               |

With `gate_requires_format`, the gate is also multiplied by R_fmt. `w` is `proc_weight` (1.0 in eq. (1); some
notes mention 0.5). R_out is always binary: 1 iff every test passes (math: the answer is equivalent).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

GATE_MODES = ("hard", "none", "pass_rate", "outcome_only")


def gate_value(mode: str, out: float, pass_rate: float, fmt: float, requires_format: bool) -> float:
    """The gate in [0, 1] that multiplies R_proc.

    Example:
        >>> gate_value("hard", out=1.0, pass_rate=1.0, fmt=0.0, requires_format=False)
        1.0
        >>> gate_value("pass_rate", out=0.0, pass_rate=0.5, fmt=1.0, requires_format=True)
        0.5
    """
    if mode not in GATE_MODES:
        raise ValueError(f"unknown gate mode {mode!r}; choose one of {', '.join(GATE_MODES)}")
    gate = {"hard": 1.0 if out == 1.0 else 0.0, "none": 1.0, "pass_rate": pass_rate, "outcome_only": 0.0}[mode]
    return gate * fmt if requires_format else gate


def total_reward(fmt: float, out: float, gate: float, proc: float | None, weight: float) -> float:
    """R = R_fmt + R_out + w * gate * R_proc. A closed gate never reads R_proc (it may be unscored: None).

    Example:
        >>> total_reward(fmt=1.0, out=1.0, gate=1.0, proc=0.75, weight=1.0)
        2.75
        >>> total_reward(fmt=1.0, out=0.0, gate=0.0, proc=None, weight=1.0)
        1.0
    """
    return fmt + out + (weight * gate * proc if gate > 0 else 0.0)


@dataclass
class RewardParts:
    """Everything known about one rollout's reward. Logged per rollout, so reward hacking is visible."""

    total: float
    fmt: float  # R_fmt in {0, 1}
    out: float  # R_out in {0, 1}
    proc: float | None  # R_proc in [0, 1]; None when the RM was not called (gate closed or outcome_only)
    gate: float  # the multiplier of R_proc in [0, 1]
    gate_open: bool  # gate > 0: the RM was (or, for a scorer failure, should have been) called
    proc_raw: float | None = None  # the scorer's raw output (an RM logit) before the mapping to [0, 1]
    pass_rate: float = 0.0  # fraction of tests passed (math: equal to out)
    status: str = ""  # sandbox job status ("pass", "fail", "timeout", ...), "no_code", or math "wrong"/"no_answer"
    n_tests: int = 0
    n_passed: int = 0
    format_problems: list[str] = field(default_factory=list)
    code_source: str | None = None  # where the code was found: "answer", "after_think", "anywhere"
    reasoning_chars: int = 0
    reasoning_words: int = 0
    verify_s: float = 0.0  # sandbox (or math check) seconds spent on this rollout
    detail: str | None = None  # first failure, for logs

    def to_dict(self) -> dict:
        return asdict(self)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(parts: list[RewardParts], prefix: str = "reward/") -> dict[str, float]:
    """Batch metrics for training logs (None-valued metrics are left out).

    pass rate (R_out = 1), format rate, gate-open rate, mean R_proc over gate-open rollouts, over gate-closed
    rollouts scored for monitoring (`monitor_closed`) and over every scored rollout, the mean contribution of
    the gated term to the reward, reasoning length.
    """
    n = len(parts)
    if n == 0:
        return {}
    scored = [p.proc for p in parts if p.proc is not None]
    open_scored = [p.proc for p in parts if p.proc is not None and p.gate_open]
    closed_scored = [p.proc for p in parts if p.proc is not None and not p.gate_open]  # monitor_closed only
    metrics = {
        "total_mean": _mean([p.total for p in parts]),
        "fmt_mean": _mean([p.fmt for p in parts]),
        "pass_rate": _mean([p.out for p in parts]),  # fraction of rollouts passing every test
        "tests_passed_mean": _mean([p.pass_rate for p in parts]),
        "gate_open_rate": _mean([1.0 if p.gate_open else 0.0 for p in parts]),
        "proc_mean_open": _mean(open_scored),
        "proc_mean_closed": _mean(closed_scored),
        "proc_mean_scored": _mean(scored),
        "proc_scored_rate": len(scored) / n,
        "gated_proc_mean": _mean([p.total - p.fmt - p.out for p in parts]),
        "reasoning_words_mean": _mean([float(p.reasoning_words) for p in parts]),
        "reasoning_chars_mean": _mean([float(p.reasoning_chars) for p in parts]),
    }
    return {prefix + k: float(v) for k, v in metrics.items() if v is not None and not math.isnan(v)}
