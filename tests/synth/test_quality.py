"""Quality controls reject the failure modes of rewrites and keep honest ones."""

from recode.synth.quality import anchors, changed_words, check_variant, clean_rewrite

PROBLEM = "Write a function to find the sum of even numbers.\nYour code should pass this test:\nassert sum_even([1, 2, 4]) == 6"
ORIGINAL = ("I need sum_even to add the even values of the list. For [1, 2, 4] the even values are 2 and 4, so the "
            "answer is 6. I loop over the list, test each value with modulo 2 and add it to a running total. An empty "
            "list gives 0.")
CODE = "def sum_even(xs):\n    return sum(x for x in xs if x % 2 == 0)"
LIMITS = {"min_length_ratio": 0.6, "max_length_ratio": 1.6, "min_changed_words": 1, "min_anchor_overlap": 0.5}


def check(variant, **kw):
    return check_variant(ORIGINAL, variant, PROBLEM, CODE, **{**LIMITS, **kw})


def test_an_honest_rewrite_passes():
    variant = ("The function sum_even adds up the even values of the list. For [1, 2, 4] those are 2 and 4, giving "
               "6. Walk through the list once, keep a running total, and add each value whose remainder modulo 2 is "
               "zero. An empty list has no values, so the result is 0.")
    assert check(variant) == []


def test_format_problems():
    assert check("") == ["format: empty"]
    assert "format: tags" in check("<think>" + ORIGINAL + "</think>")
    assert "format: preamble" in check("Sure! Here is the rewritten reasoning. " + ORIGINAL[:-10])


def test_code_leaks():
    assert "leaks_code: code block" in check(ORIGINAL[:200] + "\n```python\nprint(1)\n```")
    assert "leaks_code: program lines" in check(ORIGINAL[:150] + "\n    return sum(x for x in xs if x % 2 == 0)")


def test_changed_problem():
    other = ("I need max_odd to find the largest odd value of the tuple. For (3, 8, 5) the odd values are 3 and 5, so "
             "the answer is 5. I loop over the tuple, test each value and remember the largest odd one seen so far.")
    assert "changes_problem: anchors lost" in check(other)
    assert {"sum_even", "1", "2", "4", "6"} <= anchors(PROBLEM, ORIGINAL)


def test_length_ratio():
    assert any(r.startswith("length") for r in check(ORIGINAL + " " + ORIGINAL))
    assert any(r.startswith("length") for r in check(" ".join(ORIGINAL.split()[:15])))


def test_near_duplicates():
    assert "near_duplicate" in check(ORIGINAL.replace("I loop", "i loop,"))  # case and punctuation only
    assert "near_duplicate" not in check(ORIGINAL.replace("answer is 6", "answer is 7"))  # one fact: a contrast
    assert "near_duplicate" in check(ORIGINAL.replace("answer is 6", "answer is 7"), min_changed_words=2)
    sibling = ORIGINAL.replace("I loop", "We loop")
    assert "near_duplicate" in check(sibling + " ", siblings=[sibling])
    assert changed_words("a b c d", "a x c") == 2


def test_clean_rewrite_strips_wrappers():
    assert clean_rewrite("**Rewritten reasoning:** Sort first.<|im_end|>") == "Sort first."
    assert clean_rewrite('"Sort first."') == "Sort first."
