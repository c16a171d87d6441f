"""The math parts of CRPL synthesis: how the three dimensions read for a math reasoning, and a rule-based
factual degradation that fits math (a wrong calculation) where the code rules (a wrong complexity, a dismissed
edge case) do not apply.

The dimensions and pair types are the code domain's (`recode.synth.prompts.DIMENSIONS`, `recode.synth.pairs`);
only the instructions that name code things (complexities, built-in functions) are worded for math here. A math
seed is kept when its final answer verifies against the reference with math-verify (the reward's check).
"""

from __future__ import annotations

import random
import re

# dimension -> (optimize, degrade) instructions for a math reasoning
MATH_INSTRUCTIONS: dict[str, tuple[str, str]] = {
    "factual_accuracy": (
        ("Correct every statement that is false or vague: arithmetic, algebraic manipulations, formulas, theorems "
         "and their conditions, and values substituted from the problem. Make each claim precise and true."),
        ("Introduce one or two factual errors that a careful reader can spot: a wrong intermediate calculation, a "
         "misquoted formula or theorem, or a value copied wrongly from the problem. Keep everything else as it is."),
    ),
    "logical_rigor": (
        ("Make every step justified: say why each manipulation is valid, check the conditions it needs (division "
         "by zero, domains of roots and logarithms, integer or sign constraints, all cases), and verify the result "
         "against the problem."),
        ("Make the reasoning less rigorous: leave out a necessary step or justification, ignore a case or a "
         "condition (a sign, a domain restriction), or state a result without deriving it. Keep the same approach "
         "and wording elsewhere."),
    ),
    "logical_coherence": (
        ("Make the reasoning flow: order the steps so that each follows from the previous one, define every "
         "quantity before using it, remove repetition and detours, and make sure no statement contradicts another."),
        ("Make the reasoning incoherent: use a quantity before it is derived, add a statement that contradicts an "
         "earlier one, or insert a step unrelated to the problem."),
    ),
}

# "= 18", "= $80", "= 3.75", "== 0": a result; it counts as a calculation when the text before it (same line,
# since the previous "=") holds a number and an operator, as in "3 * 6 = 18", "200 GB * 40% = 80 GB", "n % 2 == 0"
_RESULT = re.compile(r"(?<![<>!=])==?\s*\\?\$?\s*(-?\d(?:[\d,]*\d)?(?:\.\d+)?)(?![\d.]*\w)")
_OPERATOR = re.compile(r"[-+*/×÷%]|\\times|\\cdot|\\div|\bx\b")


def _calculations(text: str) -> list[re.Match]:
    found = []
    for m in _RESULT.finditer(text):
        start = max(text.rfind("\n", 0, m.start()), text.rfind("=", 0, m.start()), m.start() - 80) + 1
        left = text[start:m.start()]
        if re.search(r"\d", left) and _OPERATOR.search(left):
            found.append(m)
    return found


def _wrong_value(value: str, rng: random.Random) -> str:
    """A plausible wrong result written like `value`: off by a little, or by a factor of ten."""
    if "." in value:
        decimals = len(value.split(".")[1])
        wrong = float(value) + rng.choice([-1, 1]) * rng.choice([1, 2, 10]) * 10 ** -max(decimals - 1, 0)
        return f"{wrong:.{decimals}f}"
    number = int(value)
    wrong = number + rng.choice([-2, -1, 1, 2]) if abs(number) < 10 or rng.random() < 0.5 else number * 10
    return str(wrong)


def wrong_arithmetic(text: str, answer: str, rng: random.Random) -> str | None:
    """factual_accuracy: the result of one worked calculation ("3 * 6 = 18") becomes wrong ("3 * 6 = 16").

    Calculations whose result is not the final answer (`answer`) are preferred: the defect should sit in the
    middle of the reasoning, not only in its last number. None when the reasoning shows no calculation.

    Example:
        >>> wrong_arithmetic("16 - 3 - 4 = 9 eggs are left, and 9 * 2 = 18 dollars.", "18", random.Random(0))
        '16 - 3 - 4 = 11 eggs are left, and 9 * 2 = 18 dollars.'
    """
    matches = _calculations(text)
    if not matches:
        return None
    inner = [m for m in matches if m.group(1).replace(",", "") != answer.strip()]
    m = rng.choice(inner or matches)
    wrong = _wrong_value(m.group(1).replace(",", ""), rng)
    return text[:m.start(1)] + wrong + text[m.end(1):]
