"""The prompts of `recode synth`, versioned: seeds (per domain) and optimize/degrade rewrites (per dimension).

Dimensions (the paper's three, paper-notes §3; the set is configurable, a new one is one entry in DIMENSIONS):

- factual_accuracy: every statement about the problem, the data, the language and the algorithm is true
  (complexities, what a built-in returns, values in a worked example, which edge cases exist).
- logical_rigor: every step is justified and nothing necessary is skipped (edge cases handled, conditions
  checked, the result verified against the example).
- logical_coherence: the steps follow from one another in order, without contradictions, detours or repetition.

A rewrite prompt shows the problem and the original reasoning, says which dimension to improve (optimize) or
to damage (degrade), and asks for plain reasoning only, of about the same length, without code: length must not
become the signal the reward model learns, and code in the reasoning would leak the answer.

Per-domain pieces (how a seed is asked for, what the reference artifact is) live in `DOMAINS`, so a new domain
is one entry there (math: the final answer instead of code, verified by math-verify).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from recode.synth.math_domain import MATH_INSTRUCTIONS
from recode.tasks import Task

PROMPT_VERSION = "crpl-v1"

Chat = list[dict[str, str]]


@dataclass(frozen=True)
class Dimension:
    description: str
    optimize: str  # the instruction for a better rewrite
    degrade: str  # the instruction for a worse rewrite


DIMENSIONS: dict[str, Dimension] = {
    "factual_accuracy": Dimension(
        description="every statement about the problem, the data, the language and the algorithm is true",
        optimize=("Correct every statement that is false or vague: complexities, what built-in functions return, "
                  "values in worked examples, which inputs can occur. Make each claim precise and true."),
        degrade=("Introduce one or two factual errors that a careful reader can spot: a wrong time complexity, a "
                 "wrong claim about what a built-in function returns, or a wrong value in a worked example. Keep "
                 "everything else as it is."),
    ),
    "logical_rigor": Dimension(
        description="every step is justified and nothing necessary is skipped",
        optimize=("Make every step justified: state why it is correct, handle the edge cases the problem allows "
                  "(empty input, single element, negative numbers, duplicates), and check the plan against the "
                  "example."),
        degrade=("Make the reasoning less rigorous: leave out a necessary step or justification, skip the edge "
                 "cases, or jump to a conclusion without checking it. Keep the same approach and wording "
                 "elsewhere."),
    ),
    "logical_coherence": Dimension(
        description="the steps follow from one another in order, without contradictions or detours",
        optimize=("Make the reasoning flow: order the steps so that each follows from the previous one, remove "
                  "repetition and detours, and make sure no statement contradicts another."),
        degrade=("Make the reasoning incoherent: put steps in an order where some use results that come later, "
                 "add a statement that contradicts an earlier one, or insert a step unrelated to the problem."),
    ),
}

REWRITE_SYSTEM = ("You rewrite the reasoning that leads to a solution of a problem. Reply with the rewritten "
                  "reasoning only: plain prose, no code, no tags, no headings, no remarks about the rewrite.")

REWRITE_USER = """Problem:
{problem}

Original reasoning:
{reasoning}

Instruction: {instruction}
Keep the same problem and the same overall approach. Keep the length close to the original (about {words} words).
Do not write any code. Reply with the rewritten reasoning only."""

JUDGE_SYSTEM = "You compare two explanations of how to solve a problem. Answer with one word: A or B."

JUDGE_USER = """Problem:
{problem}

Explanation A:
{a}

Explanation B:
{b}

Which explanation has better {dimension} ({description})? Answer A or B."""


def rewrite_messages(problem: str, reasoning: str, dimension: str, direction: str, domain: str = "code") -> Chat:
    """The chat asking for an optimized (`direction="optimize"`) or degraded rewrite along `dimension`.

    A domain may word a dimension's instructions its own way (`DomainSpec.instructions`, e.g. math)."""
    dim = DIMENSIONS[dimension]
    instruction = dim.optimize if direction == "optimize" else dim.degrade
    worded = DOMAINS[domain].instructions.get(dimension) if domain in DOMAINS else None
    if worded:
        instruction = worded[0] if direction == "optimize" else worded[1]
    user = REWRITE_USER.format(problem=problem.strip(), reasoning=reasoning.strip(), instruction=instruction,
                               words=len(reasoning.split()))
    return [{"role": "system", "content": REWRITE_SYSTEM}, {"role": "user", "content": user}]


def judge_messages(problem: str, a: str, b: str, dimension: str) -> Chat:
    dim = DIMENSIONS[dimension]
    user = JUDGE_USER.format(problem=problem.strip(), a=a.strip(), b=b.strip(),
                             dimension=dimension.replace("_", " "), description=dim.description)
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]


# -- seeds, per domain --------------------------------------------------------------------------------------

_CODE_REFERENCE_SYSTEM = "You are a careful programmer who explains how to solve programming problems."
_MATH_REFERENCE_SYSTEM = "You are a careful mathematician who explains how to solve math problems."
_EXPLAIN = ("Explain step by step, in plain words and without writing any code, the reasoning that leads to this "
            "solution: what the task asks, the edge cases, the algorithm and why it is correct.")


def _code_reference_user(task: Task) -> str:
    return f"{task.user_prompt()}\n\nA correct solution:\n```python\n{task.solution.strip()}\n```\n\n{_EXPLAIN}"


def _math_reference_user(task: Task) -> str:
    return (f"{task.user_prompt()}\n\nThe correct final answer: {task.tests.answer}\n\n"
            "Explain step by step the reasoning that leads to this answer.")


@dataclass(frozen=True)
class DomainSpec:
    """What seeds look like in one domain."""

    reference_system: str  # the system message of a reference-guided seed request
    reference_user: Callable[[Task], str]  # its user message
    artifact: str  # what a seed carries besides its reasoning: "code" (a program) or "answer" (a final answer)
    # dimension -> (optimize, degrade) instructions in this domain's terms; missing: DIMENSIONS' (code) wording
    instructions: dict[str, tuple[str, str]] = field(default_factory=dict)


DOMAINS: dict[str, DomainSpec] = {
    "code": DomainSpec(_CODE_REFERENCE_SYSTEM, _code_reference_user, artifact="code"),
    "math": DomainSpec(_MATH_REFERENCE_SYSTEM, _math_reference_user, artifact="answer",
                       instructions=MATH_INSTRUCTIONS),
}


def free_seed_messages(task: Task) -> Chat:
    """A free seed: the task as the policy sees it (recode.text's system prompt asks for <think>/<answer>)."""
    return task.messages()


def reference_seed_messages(task: Task) -> Chat:
    """A reference-guided seed: the generator explains a known-correct solution (verified separately)."""
    spec = DOMAINS[task.domain]
    return [{"role": "system", "content": spec.reference_system},
            {"role": "user", "content": spec.reference_user(task)}]
