"""Rule-based degraders: each damages the reasoning the way it says, deterministically, or declines."""

import pytest

from recode.synth.degrade import RULES, apply_rule, negate, split_steps

REASONING = (
    "The function must return the sum of the even numbers in the list.\n"
    "First, handle the empty list: the sum is 0, because there is nothing to add.\n"
    "Then loop over the numbers and keep those with n % 2 == 0.\n"
    "Negative even numbers count too, since -4 % 2 == 0 in Python.\n"
    "The loop visits each element once, so the time is O(n).\n"
    "Finally return the total."
)
CODE = "def sum_even(xs):\n    total = 0\n    for x in xs:\n        if x % 2 == 0:\n            total += x\n    return total"


@pytest.mark.parametrize("name", list(RULES))
def test_rules_change_the_text_and_are_deterministic(name):
    out = apply_rule(name, REASONING, CODE, seed="s1")
    assert out is not None and out != REASONING
    assert apply_rule(name, REASONING, CODE, seed="s1") == out


def test_drop_step_removes_one_middle_step():
    out = apply_rule("drop_step", REASONING, CODE, seed=0)
    steps, lines = split_steps(REASONING)[0], out.splitlines()
    assert len(lines) == len(steps) - 1
    assert lines[0] == steps[0] and lines[-1] == steps[-1]  # the frame stays; a necessary middle step goes


def test_swap_steps_keeps_the_same_steps_in_another_order():
    out = apply_rule("swap_steps", REASONING, CODE, seed=0)
    assert sorted(out.splitlines()) == sorted(REASONING.splitlines()) and out != REASONING


def test_contradict_claim_asserts_a_negation_of_an_earlier_step():
    out = apply_rule("contradict_claim", REASONING, CODE, seed=3)
    added = [line for line in out.splitlines() if line.startswith("Note that")]
    assert len(added) == 1
    assert " not " in added[0] or "cannot" in added[0] or " is " in added[0]
    assert abs(len(out.split()) - len(REASONING.split())) < 0.5 * len(REASONING.split())


def test_wrong_complexity_replaces_the_stated_bound():
    out = apply_rule("wrong_complexity", REASONING, CODE, seed=0)
    assert "O(n)" not in out and "O(n^2)" in out


def test_wrong_complexity_adds_a_false_claim_only_when_the_code_loops():
    text = "Add the two numbers.\nReturn the result.\nNothing else is needed."
    assert "O(1)" in apply_rule("wrong_complexity", text, "def f(xs):\n    return sum(xs)", seed=0)
    assert apply_rule("wrong_complexity", text, "def f(a, b):\n    return a + b", seed=0) is None


def test_wrong_edge_case_replaces_the_edge_case_statement():
    out = apply_rule("wrong_edge_case", REASONING, CODE, seed=0)
    assert "needs no special thought" in out
    assert len(out.splitlines()) == len(REASONING.splitlines())


def test_rules_decline_on_too_short_reasoning():
    assert apply_rule("drop_step", "Return a + b.", "", seed=0) is None
    assert apply_rule("swap_steps", "Return a + b.", "", seed=0) is None
    assert apply_rule("wrong_edge_case", "Return a + b.", "", seed=0) is None


def test_sentences_are_steps_when_the_text_is_one_paragraph():
    steps, joiner = split_steps("First sort it. Then take the middle. Return it.")
    assert steps == ["First sort it.", "Then take the middle.", "Return it."] and joiner == " "


def test_negate():
    assert negate("The list is sorted.") == "The list is not sorted."
    assert negate("It cannot be empty.") == "It can be empty."
    assert negate("Loop over it.") is None
