"""`recode rmbench eval`: score every pair with one or more scorers; accuracy, intervals, breakdowns, baselines.

Scorers (`SCORER_KINDS`) are built on the reward's scorer registry (`recode.reward.scorers.SCORERS`), so the
benchmark measures exactly what the reward would compute:

| kind       | what                                                     | spec shorthand (`--scorer`)          |
|------------|----------------------------------------------------------|--------------------------------------|
| `hf`       | a local or Hub sequence-classification RM (our CRPL RM, any RM, or a base model with a fresh head) | `hf:<model>` |
| `remote`   | an RM behind a scoring server (`recode reward serve`)    | `remote:<url>`                       |
| `length`   | "longer reasoning wins" (reasoning word count)           | `length`                             |
| `constant` | every reasoning scores the same (all ties: 50%)          | `constant`                           |
| `random`   | a seeded random score per reasoning                      | `random`                             |
| `judge`    | a generative LLM judge, pairwise, both orders            | `judge:<model>` (OpenAI-compatible endpoint), `judge-hf:<model>` (local) |

Pointwise scorers score each side separately; a pair's outcome is 1 / 0.5 / 0 as the chosen side scores higher
/ the same / lower. `name=spec` names a scorer (`crpl=hf:runs/rm/crpl`).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, fields

from recode.io import DataError
from recode.rmbench.metrics import baselines, outcome, summarize
from recode.rmbench.pairs import Pair

SCORER_KINDS = ("hf", "remote", "length", "constant", "random", "judge")


@dataclass
class ScorerSpec:
    name: str
    kind: str
    model: str | None = None  # hf: local folder, Hub id or alias (smollm2); judge: the model name
    url: str | None = None  # remote: the scoring server's base URL
    backend: str = "openai"  # judge: a recode.generate backend (openai, hf, vllm)
    base_url: str | None = None  # judge with backend openai: the endpoint (e.g. http://localhost:8000/v1)
    api_key_env: str = "OPENAI_API_KEY"  # judge: environment variable with the API key
    gguf_file: str | None = None  # hf: a GGUF file inside `model`
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 8
    max_length: int = 2048  # hf: tokens per input (longer inputs lose their beginning)
    max_new_tokens: int = 512  # judge: reply length
    seed: int = 0  # hf: the initialisation of a fresh head; random: the scores

    def __post_init__(self) -> None:
        if self.kind not in SCORER_KINDS:
            raise DataError(f"scorer {self.name!r}: kind {self.kind!r} is not one of {', '.join(SCORER_KINDS)}")
        if self.kind in ("hf", "judge") and not self.model:
            raise DataError(f"scorer {self.name!r}: kind {self.kind!r} needs a model")
        if self.kind == "remote" and not self.url:
            raise DataError(f"scorer {self.name!r}: kind 'remote' needs a url")

    @classmethod
    def from_dict(cls, data: dict, where: str) -> ScorerSpec:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or "kind" not in data:
            raise DataError(f"{where}: a scorer is a mapping with at least `kind`")
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError(f"{where}: unknown scorer key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        data = dict(data)
        data.setdefault("name", data["kind"] if not data.get("model") else
                        f"{data['kind']}:{os.path.basename(str(data['model']).rstrip('/'))}")
        try:
            return cls(**data)
        except DataError as exc:  # name the place in the file (or the command line) instead of the scorer
            prefix = f"scorer {data['name']!r}: "
            raise DataError(f"{where}: {str(exc).removeprefix(prefix)}") from None


def parse_scorer(text: str, base_url: str | None = None) -> ScorerSpec:
    """A scorer from its shorthand: `[name=]kind[:arg]` (see the module docstring).

    Example:
        >>> s = parse_scorer("crpl=hf:runs/rm/crpl")
        >>> (s.name, s.kind, s.model)
        ('crpl', 'hf', 'runs/rm/crpl')
    """
    name, sep, spec = text.partition("=")
    if not sep or ":" in name or "/" in name:  # "hf:x=y" has no name: the "=" belongs to the argument
        name, spec = "", text
    kind, _, arg = spec.partition(":")
    data: dict = {"kind": kind}
    if kind == "judge-hf":
        data.update(kind="judge", backend="hf", model=arg)
    elif kind == "judge":
        data.update(model=arg, base_url=base_url)
    elif kind == "remote":
        data["url"] = arg
    elif kind == "hf":
        data["model"] = arg
    elif arg:
        raise DataError(f"scorer {text!r}: kind {kind!r} takes no argument")
    if name:
        data["name"] = name
    return ScorerSpec.from_dict(data, f"scorer {text!r}")


def load_scorers(path: str | os.PathLike) -> list[ScorerSpec]:
    """Scorer specs from a YAML list of mappings (each with `kind`, optional `name` and any ScorerSpec field)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, list) or not data:
        raise DataError(f"{path}: expected a non-empty YAML list of scorers")
    return [ScorerSpec.from_dict(d, f"{path} scorer {i + 1}") for i, d in enumerate(data)]


class PointwisePairScorer:
    """Scores each side with a process scorer of the reward registry (hf, remote, length, constant)."""

    def __init__(self, spec: ScorerSpec):
        from recode.reward.config import RewardConfig
        from recode.reward.scorers import SCORERS

        model = spec.model
        if spec.kind == "hf":
            import torch

            from recode.models import resolve_model

            model = resolve_model(spec.model)
            torch.manual_seed(spec.seed)  # a base model gets a fresh, randomly initialised head: make it repeatable
        # `length` with an unreachable target is the raw word count: strictly "longer wins", never saturated.
        cfg = RewardConfig(scorer=spec.kind, rm_model=model, rm_gguf_file=spec.gguf_file, rm_device=spec.device,
                           rm_dtype=spec.dtype, rm_batch_size=spec.batch_size, rm_max_length=spec.max_length,
                           rm_url=spec.url, length_target_words=10 ** 9)
        self.scorer = SCORERS[spec.kind](cfg)

    def compare(self, pairs: list[Pair], on_progress=None) -> list[tuple[float, float, float]]:
        problems = [p.problem for p in pairs] * 2
        texts = [p.chosen.reasoning for p in pairs] + [p.rejected.reasoning for p in pairs]
        scores = self.scorer.score(problems, texts)
        n = len(pairs)
        return [(scores[i], scores[n + i], outcome(scores[i], scores[n + i])) for i in range(n)]

    def close(self) -> None:
        self.scorer.close()


class RandomPairScorer:
    def __init__(self, spec: ScorerSpec):
        import numpy as np

        self.rng = np.random.default_rng(spec.seed)

    def compare(self, pairs: list[Pair], on_progress=None) -> list[tuple[float, float, float]]:
        scores = self.rng.random((len(pairs), 2)).tolist()
        return [(a, b, outcome(a, b)) for a, b in scores]

    def close(self) -> None:
        pass


class JudgePairScorer:
    """A generative judge; the "scores" are its outcome for the chosen side and one minus it."""

    def __init__(self, spec: ScorerSpec):
        from recode.rmbench.build import make_generator_from
        from recode.rmbench.judge import PairJudge

        self.generator = make_generator_from(spec.backend, spec.model, spec.base_url, spec.api_key_env,
                                             spec.device, spec.batch_size)
        self.judge = PairJudge(self.generator, spec.max_new_tokens)

    def compare(self, pairs: list[Pair], on_progress=None) -> list[tuple[float, float, float]]:
        return [(r.outcome, 1.0 - r.outcome, r.outcome) for r in self.judge.judge(pairs, on_progress)]

    def close(self) -> None:
        self.generator.close()


def make_pair_scorer(spec: ScorerSpec):
    if spec.kind == "random":
        return RandomPairScorer(spec)
    if spec.kind == "judge":
        return JudgePairScorer(spec)
    return PointwisePairScorer(spec)


def evaluate(pairs: list[Pair], spec: ScorerSpec, bootstrap_unit: str = "problem", n_resamples: int = 2000,
             confidence: float = 0.95, seed: int = 0, date_bucketing: str = "month",
             on_progress=None) -> tuple[dict, list[dict]]:
    """(result, per-pair rows) of one scorer on `pairs`."""
    start = time.monotonic()
    scorer = make_pair_scorer(spec)
    try:
        compared = scorer.compare(pairs, on_progress)
    finally:
        scorer.close()
    seconds = time.monotonic() - start
    outcomes = [c[2] for c in compared]
    rows = [{"pair_id": p.pair_id, "chosen_score": c[0], "rejected_score": c[1], "outcome": c[2]}
            for p, c in zip(pairs, compared)]
    result = {"scorer": spec.name, "spec": asdict(spec), "seconds": round(seconds, 2),
              "summary": summarize(pairs, outcomes, bootstrap_unit, n_resamples, confidence, seed, date_bucketing),
              "baselines": baselines(pairs, confidence)}
    return result, rows
