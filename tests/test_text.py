"""Parsing the reasoning format: every input, however malformed, gets a defined format verdict and code."""

import pytest

from recode.text import (
    SYSTEM_PROMPTS,
    code_blocks,
    format_completion,
    last_boxed,
    parse_completion,
    strip_trailing_special,
)

CODE = "def add(a, b):\n    return a + b"
GOOD = f"<think>\nAdd the two numbers.\n</think>\n<answer>\n```python\n{CODE}\n```\n</answer>"


def test_well_formed_completion():
    p = parse_completion(GOOD)
    assert p.format_ok and p.problems == ()
    assert p.reasoning == "Add the two numbers."
    assert p.code == CODE and p.code_source == "answer"
    assert p.reasoning_words == 4


def test_no_tags_lenient_takes_the_last_python_block_but_format_fails():
    text = f"Sure.\n```python\nx = 1\n```\nBetter:\n```python\n{CODE}\n```\n"
    p = parse_completion(text)
    assert not p.format_ok and "<think> appears 0 times" in p.problems
    assert p.reasoning is None and p.code == CODE and p.code_source == "anywhere"
    assert parse_completion(text, strict=True).code is None


def test_no_tags_and_no_fence_means_no_code():
    p = parse_completion("I think the answer is to add them.")
    assert p.code is None and p.code_source is None and not p.format_ok


def test_two_answer_blocks_fail_the_format_and_the_last_one_is_run():
    text = ("<think>try</think><answer>```python\ndef add(a, b): return a - b\n```</answer>"
            f"<answer>```python\n{CODE}\n```</answer>")
    p = parse_completion(text)
    assert not p.format_ok and "<answer> appears 2 times" in p.problems
    assert p.code == CODE


def test_unclosed_code_fence_runs_to_the_end_of_the_answer():
    p = parse_completion(f"<think>plan</think><answer>```python\n{CODE}\n</answer>")
    assert not p.format_ok and p.problems == ("unclosed code block in the answer",)
    assert p.code == CODE


def test_truncated_generation_without_answer_close_uses_code_after_think():
    p = parse_completion(f"<think>plan</think>\n<answer>\n```python\n{CODE}\n")
    assert not p.format_ok
    assert p.code == CODE and p.code_source == "after_think"
    assert parse_completion(f"<think>plan</think>\n<answer>\n```python\n{CODE}\n", strict=True).code is None


def test_empty_reasoning_fails_the_format_but_keeps_the_code():
    p = parse_completion(f"<think>  \n</think><answer>```python\n{CODE}\n```</answer>")
    assert not p.format_ok and p.problems == ("empty reasoning",)
    assert p.reasoning == "" and p.code == CODE


def test_code_in_the_reasoning_is_never_run_when_an_answer_exists():
    text = (f"<think>Draft:\n```python\n{CODE}\n```\nLooks right.</think>"
            "<answer>```python\ndef add(a, b): return 0\n```</answer>")
    p = parse_completion(text)
    assert p.format_ok
    assert p.code == "def add(a, b): return 0"
    assert "```python" in p.reasoning


def test_code_in_the_reasoning_is_not_run_without_an_answer_either():
    p = parse_completion(f"<think>Draft:\n```python\n{CODE}\n```</think>The end.")
    assert p.code is None and not p.format_ok


def test_text_outside_the_blocks_fails_the_format():
    p = parse_completion("Hello! " + GOOD)
    assert not p.format_ok and p.problems == ("text outside the <think> and <answer> blocks",)
    assert p.code == CODE


def test_answer_before_think_fails():
    p = parse_completion(f"<answer>```python\n{CODE}\n```</answer><think>why</think>")
    assert not p.format_ok and p.problems == ("<answer> comes before </think>",)


def test_trailing_special_tokens_are_ignored():
    assert parse_completion(GOOD + "<|im_end|>\n<|endoftext|>").format_ok
    assert strip_trailing_special("x</s>") == "x"


def test_think_prefilled_by_the_chat_template():
    completion = GOOD[len("<think>"):]
    assert not parse_completion(completion).format_ok
    assert parse_completion(completion, think_prefilled=True).format_ok


def test_two_code_blocks_in_the_answer_fail_the_format_and_the_last_is_run():
    text = f"<think>t</think><answer>```python\n{CODE}\n```\nUsage:\n```python\nprint(add(1, 2))\n```</answer>"
    p = parse_completion(text)
    assert not p.format_ok and p.problems == ("2 code blocks in the answer (expected one)",)
    assert p.code == "print(add(1, 2))"


def test_non_python_block_is_not_code():
    p = parse_completion("<think>t</think><answer>```cpp\nint main() {}\n```</answer>")
    assert p.code is None and not p.format_ok


def test_answer_without_fence_is_taken_as_code_but_is_not_the_format():
    p = parse_completion(f"<think>t</think><answer>\n{CODE}\n</answer>")
    assert p.code == CODE and p.problems == ("no code block in the answer",)


@pytest.mark.parametrize("weird", ["", "<think>", "</answer>", "```", "<think></think><answer></answer>", None])
def test_never_raises(weird):
    p = parse_completion(weird)
    assert not p.format_ok


def test_code_blocks_tilde_fences_and_tags():
    blocks = code_blocks("~~~py\na = 1\n~~~\n```Python3 title\nb = 2\n```")
    assert [(b.language, b.code, b.closed) for b in blocks] == [("py", "a = 1", True), ("python3", "b = 2", True)]


def test_math_final_answer_from_boxed_with_nested_braces():
    p = parse_completion(r"<think>compute</think><answer>So it is \boxed{\frac{1}{2}}.</answer>", domain="math")
    assert p.format_ok and p.final_answer == r"\frac{1}{2}"


def test_math_answer_without_boxed_is_the_answer_text():
    p = parse_completion("<think>compute</think><answer> 42 </answer>", domain="math")
    assert p.format_ok and p.final_answer == "42"


def test_math_lenient_boxed_anywhere_and_strict():
    text = r"The answer is \boxed{7} I think. Or \boxed{8}"
    assert parse_completion(text, domain="math").final_answer == "8"
    assert parse_completion(text, domain="math", strict=True).final_answer is None
    assert last_boxed(r"\boxed{unclosed") is None


def test_format_completion_round_trips_and_prompts_exist():
    assert parse_completion(format_completion("r", CODE)).code == CODE
    assert parse_completion(format_completion("r", "3/4", "math"), domain="math").final_answer == "3/4"
    assert "<think>" in SYSTEM_PROMPTS["code"] and "\\boxed" in SYSTEM_PROMPTS["math"]
    with pytest.raises(ValueError):
        parse_completion(GOOD, domain="poetry")
