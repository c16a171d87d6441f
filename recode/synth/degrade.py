"""Rule-based degradations of a reasoning: worse along a known dimension, without an LLM.

For augmentation and for tests (their defect is known by construction). Each rule takes the reasoning, the seed's
code and a seeded `random.Random`, and returns the degraded text, or None when it does not apply (too few
steps, nothing to change). Registry `RULES`: name -> (rule, dimension).

- drop_step (logical_rigor): a necessary middle step is removed; steps that carry a justification or an
  edge case ("because", "if", "empty", ...) are preferred.
- swap_steps (logical_coherence): two adjacent steps trade places, so one uses what is only said later.
- contradict_claim (logical_coherence): a later step asserts the negation of an earlier claim.
- wrong_complexity (factual_accuracy): a stated complexity is replaced by a wrong one; with none stated, a
  false "constant time" claim is added when the code loops or recurses.
- wrong_edge_case (factual_accuracy): a statement about an edge case is replaced by the false claim that the
  case cannot matter.
- wrong_arithmetic (factual_accuracy; made for math, recode/synth/math_domain.py): the result of one worked
  calculation ("3 * 6 = 18") is made wrong.

Steps are the reasoning's non-empty lines when it has several, else its sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from recode.synth.math_domain import wrong_arithmetic

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'`])")
_JUSTIFY = re.compile(r"\b(because|since|so that|therefore|thus|if|otherwise|must|need|edge|empty|zero|negative|"
                      r"check|verify|ensure)\b", re.IGNORECASE)
_EDGE = re.compile(r"\b(empty|zero|negative|single|one element|duplicate|none|null|edge case|boundary|overflow)\b",
                   re.IGNORECASE)
_BIG_O = re.compile(r"O\(\s*([^()]*(?:\([^()]*\)[^()]*)*)\s*\)")
_WRONG_O = {"1": "n^2", "n": "n^2", "n^2": "n", "n log n": "n^2", "log n": "n", "n*m": "n + m", "2^n": "n"}
_NEGATIONS = [(r"\bis not\b", "is"), (r"\bare not\b", "are"), (r"\bcannot\b", "can"), (r"\bis\b", "is not"),
              (r"\bare\b", "are not"), (r"\bcan\b", "cannot"), (r"\bmust\b", "must not"),
              (r"\bwill\b", "will not"), (r"\bshould\b", "should not"), (r"\breturns\b", "does not return")]
_LOOPS = re.compile(r"\b(for|while)\b|\bsorted\(|\.sort\(|\bsum\(|\bmax\(|\bmin\(|\bin\s+\w+")


def split_steps(text: str) -> tuple[list[str], str]:
    """(steps, joiner): lines when the text has several non-empty ones, else sentences."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) >= 3:
        return lines, "\n"
    return [s for s in _SENTENCE.split(" ".join(line.strip() for line in lines)) if s.strip()], " "


def drop_step(text: str, code: str, rng: random.Random) -> str | None:
    steps, joiner = split_steps(text)
    if len(steps) < 3:
        return None
    middle = list(range(1, len(steps) - 1))
    preferred = [i for i in middle if _JUSTIFY.search(steps[i])]
    drop = rng.choice(preferred or middle)
    return joiner.join(s for i, s in enumerate(steps) if i != drop)


def swap_steps(text: str, code: str, rng: random.Random) -> str | None:
    steps, joiner = split_steps(text)
    candidates = [i for i in range(len(steps) - 1) if steps[i].strip() != steps[i + 1].strip()]
    if len(steps) < 3 or not candidates:
        return None
    i = rng.choice(candidates)
    steps[i], steps[i + 1] = steps[i + 1], steps[i]
    return joiner.join(steps)


def negate(sentence: str) -> str | None:
    """The sentence with its first negatable verb negated (or un-negated); None if it has none.

    Example:
        >>> negate("The list is sorted.")
        'The list is not sorted.'
    """
    best = None
    for pattern, replacement in _NEGATIONS:
        m = re.search(pattern, sentence)
        if m and (best is None or m.start() < best[0].start()):
            best = (m, replacement)
    if best is None:
        return None
    m, replacement = best
    return sentence[:m.start()] + replacement + sentence[m.end():]


def contradict_claim(text: str, code: str, rng: random.Random) -> str | None:
    steps, joiner = split_steps(text)
    if len(steps) < 3:
        return None
    claims = [(i, negate(s.strip())) for i, s in enumerate(steps[:-1])]
    claims = [(i, n) for i, n in claims if n and len(n.split()) >= 4]
    if not claims:
        return None
    i, negated = rng.choice(claims)
    at = rng.randint(i + 2, len(steps)) if i + 2 <= len(steps) else len(steps)
    steps.insert(at, f"Note that {negated[0].lower()}{negated[1:]}")
    # Keep the length close to the original: drop a step that neither the claim nor the contradiction is.
    others = [j for j in range(1, len(steps) - 1) if j not in (i, at)]
    if others and len(steps) > 4:
        del steps[rng.choice(others)]
    return joiner.join(steps)


def wrong_complexity(text: str, code: str, rng: random.Random) -> str | None:
    matches = list(_BIG_O.finditer(text))
    for m in rng.sample(matches, len(matches)):
        inner = re.sub(r"\s+", " ", m.group(1).strip().lower().replace("**", "^").replace("·", "*"))
        wrong = _WRONG_O.get(inner) or ("n^2" if "^2" not in inner else "n")
        if wrong != inner:
            return text[:m.start()] + f"O({wrong})" + text[m.end():]
    if code and _LOOPS.search(code):
        steps, joiner = split_steps(text)
        at = rng.randint(1, max(1, len(steps) - 1))
        claim = "This runs in constant time, O(1), whatever the size of the input."
        return joiner.join(steps[:at] + [claim] + steps[at:])
    return None


def wrong_edge_case(text: str, code: str, rng: random.Random) -> str | None:
    steps, joiner = split_steps(text)
    edges = [i for i, s in enumerate(steps) if _EDGE.search(s)]
    if not edges:
        return None
    i = rng.choice(edges)
    case = _EDGE.search(steps[i]).group(1).lower()
    steps[i] = f"The {case} case cannot change the result here, so it needs no special thought."
    return joiner.join(steps)


Rule = Callable[[str, str, random.Random], "str | None"]
# name -> (rule, the dimension it damages)
RULES: dict[str, tuple[Rule, str]] = {
    "drop_step": (drop_step, "logical_rigor"),
    "swap_steps": (swap_steps, "logical_coherence"),
    "contradict_claim": (contradict_claim, "logical_coherence"),
    "wrong_complexity": (wrong_complexity, "factual_accuracy"),
    "wrong_edge_case": (wrong_edge_case, "factual_accuracy"),
    "wrong_arithmetic": (wrong_arithmetic, "factual_accuracy"),  # made for math; applies to code reasoning too
}


def apply_rule(name: str, text: str, code: str, seed: int | str) -> str | None:
    """Run one rule with its own seeded generator (same inputs, same output); None if it changes nothing."""
    rule, _ = RULES[name]
    out = rule(text, code or "", random.Random(f"{seed}:{name}"))
    return out if out is not None and out.strip() != text.strip() else None
