"""The math parts of CRPL: the wrong-calculation degradation and the math wording of the dimensions."""

import random

import pytest

from recode.synth.math_domain import MATH_INSTRUCTIONS, wrong_arithmetic
from recode.synth.prompts import DIMENSIONS
from recode.task_sources import gsm8k_tasks


def test_every_dimension_has_math_instructions():
    assert set(MATH_INSTRUCTIONS) == set(DIMENSIONS)
    for optimize, degrade in MATH_INSTRUCTIONS.values():
        assert "code" not in optimize + degrade and "complexit" not in optimize + degrade


@pytest.mark.parametrize("text, answer, expected_change", [
    ("16 - 3 - 4 = 9 eggs are left, and 9 * 2 = 18 dollars.", "18", "= 9 "),
    ("The walk is 2.5 + 1.25 = 3.75 km.", "3.75", "3.75"),  # only the answer's calculation: it changes
    (r"We get $3 \times 4 = 12$ and then 12 + 1 = 13.", "13", "= 12$"),
])
def test_wrong_arithmetic_changes_one_result(text, answer, expected_change):
    out = wrong_arithmetic(text, answer, random.Random(3))
    assert out is not None and out != text and expected_change in text and expected_change not in out
    assert len(out.split()) == len(text.split())


def test_wrong_arithmetic_without_a_calculation():
    assert wrong_arithmetic("Let x be the number of apples; then x is 5.", "5", random.Random(0)) is None
    assert wrong_arithmetic("The year 2024 = the answer", "7", random.Random(0)) is None


def test_wrong_arithmetic_applies_to_gsm8k_reasonings():
    tasks = gsm8k_tasks("test")[:200]
    changed = [wrong_arithmetic(t.meta["reference_reasoning"], t.tests.answer, random.Random(t.task_id))
               for t in tasks]
    assert sum(c is not None for c in changed) / len(tasks) > 0.9


def test_math_rewrites_are_worded_for_math():
    from recode.synth.prompts import rewrite_messages

    math = rewrite_messages("What is 3 * 6?", "3 * 6 = 18.", "factual_accuracy", "degrade", "math")
    code = rewrite_messages("Write f.", "Loop once.", "factual_accuracy", "degrade", "code")
    assert MATH_INSTRUCTIONS["factual_accuracy"][1] in math[1]["content"]
    assert "time complexity" in code[1]["content"] and "time complexity" not in math[1]["content"]
    assert rewrite_messages("p", "r", "logical_rigor", "optimize") == \
        rewrite_messages("p", "r", "logical_rigor", "optimize", "code")


def test_math_seed_gets_a_wrong_calculation_variant():
    from recode.synth.config import SynthConfig
    from recode.synth.degrade import RULES
    from recode.synth.variants import make_variants

    assert RULES["wrong_arithmetic"][1] == "factual_accuracy"
    task = gsm8k_tasks("test")[0]
    seed = {"seed_id": f"{task.task_id}#reference0", "task_id": task.task_id, "domain": "math", "mode": "reference",
            "problem": task.user_prompt(), "reasoning": task.meta["reference_reasoning"], "artifact": "18"}
    cfg = SynthConfig(tasks=["gsm8k-test"], llm_variants=False, dimensions=["factual_accuracy"],
                      rule_degraders=["wrong_arithmetic"])
    rows, report = make_variants([seed], cfg, None)
    (row,) = rows
    assert [v["source"] for v in row["degraded"]] == ["rule:wrong_arithmetic"], row["rejected"]
    assert row["degraded"][0]["text"] != seed["reasoning"] and report["kept"] == {"rule:wrong_arithmetic": 1}
