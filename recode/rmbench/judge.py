"""A generative LLM as a pairwise judge of two reasonings: for build-time screening and as an eval scorer.

Each pair is judged twice, once with the chosen reasoning shown as A and once as B, so a judge that always
prefers one position scores exactly 0.5 (position bias cancels). A vote is 1 when the judge prefers the chosen
side, 0 for the rejected side and 0.5 for "tie" or a reply without a verdict; the pair's outcome is the mean of
its two votes. The judge is any `recode.generate` backend: an OpenAI-compatible endpoint (`openai`), or a local
model (`hf`, `vllm`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recode.rmbench.pairs import Pair

JUDGE_SYSTEM = (
    "You are an expert reviewer of reasoning about programming problems. You compare two reasoning processes "
    "written for the same problem and decide which one is better: factually correct, logically rigorous, coherent, "
    "and leading to a correct solution. Length is not a merit: do not prefer a reasoning because it is longer."
)
JUDGE_TEMPLATE = (
    "[Problem]\n{problem}\n\n[Reasoning A]\n{a}\n\n[Reasoning B]\n{b}\n\n"
    "Compare the two reasoning processes. Explain briefly what each gets right or wrong, then finish with one "
    "final line that is exactly `Verdict: A`, `Verdict: B` or `Verdict: tie`."
)
_VERDICT = re.compile(r"verdict\s*[:：]?\s*\**\s*\[*\s*(A|B|tie)\b", re.IGNORECASE)


def parse_verdict(text: str) -> str | None:
    """The last verdict in a judge reply: "A", "B", "tie", or None without one.

    Example:
        >>> parse_verdict("A misses the empty case.\\nVerdict: B")
        'B'
        >>> parse_verdict("Both are fine") is None
        True
    """
    found = _VERDICT.findall(text or "")
    if not found:
        return None
    last = found[-1]
    return "tie" if last.lower() == "tie" else last.upper()


def judge_messages(problem: str, a: str, b: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": JUDGE_TEMPLATE.format(problem=problem.strip(), a=a.strip(), b=b.strip())}]


@dataclass
class JudgeResult:
    outcome: float  # mean vote: 1 = the chosen side wins in both orders, 0.5 = no preference, 0 = rejected wins
    verdicts: tuple[str | None, str | None]  # raw verdicts with chosen as A, then chosen as B
    rationales: tuple[str, str]

    def to_dict(self, model: str) -> dict:
        return {"model": model, "outcome": self.outcome, "verdicts": list(self.verdicts),
                "rationale_chosen_first": self.rationales[0], "rationale_chosen_second": self.rationales[1]}


def _vote(verdict: str | None, chosen_is: str) -> float:
    if verdict in ("A", "B"):
        return 1.0 if verdict == chosen_is else 0.0
    return 0.5


class PairJudge:
    """Judges pairs with a generator (greedy, a bounded reply).

    Args:
        generator: a `recode.generate` Generator (owned by the caller).
        max_new_tokens: length of the judge's reply (rationale plus verdict).
    """

    def __init__(self, generator, max_new_tokens: int = 512):
        from recode.generate import SamplingConfig

        self.generator = generator
        self.model = generator.model
        self.sampling = SamplingConfig(n=1, temperature=0.0, max_new_tokens=max_new_tokens)

    def judge(self, pairs: list[Pair], on_progress=None) -> list[JudgeResult]:
        prompts = []
        for p in pairs:
            prompts.append(judge_messages(p.problem, p.chosen.reasoning, p.rejected.reasoning))
            prompts.append(judge_messages(p.problem, p.rejected.reasoning, p.chosen.reasoning))
        replies = [outs[0] for outs in self.generator.generate(prompts, self.sampling, on_progress)] if prompts \
            else []
        results = []
        for i in range(len(pairs)):
            first, second = replies[2 * i], replies[2 * i + 1]
            verdicts = (parse_verdict(first), parse_verdict(second))
            outcome = (_vote(verdicts[0], "A") + _vote(verdicts[1], "B")) / 2
            results.append(JudgeResult(outcome, verdicts, (first, second)))
        return results
