"""Process scorers: the [0, 1] mapping, the ablation scorers, and a real (tiny, random) HF reward model."""

import math

import pytest

from recode.reward.config import RewardConfig
from recode.reward.rm_input import RM_TEMPLATE, rm_input
from recode.reward.scorers import ConstantScorer, ExternalScorer, LengthScorer, ScorerError, build_scorer, to_unit


def test_sigmoid_mapping_with_temperature_and_offset():
    assert to_unit([0.0], ["a"], "sigmoid") == [0.5]
    [u] = to_unit([3.0], ["a"], "sigmoid", temperature=2.0, offset=1.0)
    assert u == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert to_unit([-1000.0, 1000.0], ["a", "a"], "sigmoid") == [0.0, 1.0]  # no overflow
    assert to_unit([0.3, 1.7], ["a", "a"], "sigmoid", outputs="unit") == [0.3, 1.0]  # unit scores pass (clipped)


def test_rank_and_minmax_are_within_groups():
    raw, groups = [1.0, 3.0, 3.0, 2.0, 10.0, 7.0], ["a", "a", "a", "a", "b", "c"]
    assert to_unit(raw, groups, "rank") == [0.0, pytest.approx(2.5 / 3), pytest.approx(2.5 / 3),
                                            pytest.approx(1 / 3), 0.5, 0.5]
    assert to_unit(raw, groups, "minmax") == [0.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    assert to_unit([4.0, 4.0], ["a", "a"], "minmax") == [0.5, 0.5]


def test_ablation_scorers():
    assert ConstantScorer(0.25).score(["p", "q"], ["r", "s"]) == [0.25, 0.25]
    assert LengthScorer(4).score(["p", "p"], ["one two", "a b c d e f"]) == [0.5, 1.0]
    with pytest.raises(ScorerError, match="without its RM score"):
        ExternalScorer().score(["p"], ["r"])
    assert build_scorer(RewardConfig(gate="outcome_only", scorer="constant")) is None
    assert isinstance(build_scorer(RewardConfig(scorer="length")), LengthScorer)


def test_rm_input_plain_and_chat():
    assert rm_input(" P ", " R ") == RM_TEMPLATE.format(problem="P", reasoning="R")

    class Chat:
        chat_template = "x"

        def apply_chat_template(self, messages, tokenize):
            assert not tokenize
            return "|".join(f"{m['role']}:{m['content']}" for m in messages)

    assert rm_input("P", "R", Chat()) == "user:P|assistant:R"


PROBLEMS = ["Add two numbers.", "Reverse a list.", "Count the vowels in a string."]
REASONINGS = ["Use +.", "Walk the list from the end and collect each item; " * 6, "Loop over characters."]


def test_hf_scorer_is_batch_invariant_with_right_padding(tiny_rm_dir):
    from recode.reward.hf_scorer import HFScorer

    scorer = HFScorer(str(tiny_rm_dir), device="cpu", batch_size=3)
    assert scorer.tokenizer.padding_side == "right" and scorer.chat
    batched = scorer.score(PROBLEMS, REASONINGS)
    single = [scorer.score([p], [r])[0] for p, r in zip(PROBLEMS, REASONINGS)]
    assert batched == pytest.approx(single, abs=1e-5)
    scorer.batch_size = 2  # a different batching of the same inputs
    assert scorer.score(PROBLEMS[::-1], REASONINGS[::-1])[::-1] == pytest.approx(single, abs=1e-5)
    assert len({round(s, 6) for s in single}) == 3 and all(math.isfinite(s) for s in single)


def test_hf_scorer_without_chat_template_uses_the_plain_template(tiny_rm_dir, tmp_path):
    from transformers import AutoTokenizer

    from recode.reward.hf_scorer import HFScorer

    tokenizer = AutoTokenizer.from_pretrained(tiny_rm_dir)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(tmp_path)
    for name in ("config.json", "model.safetensors"):
        (tmp_path / name).write_bytes((tiny_rm_dir / name).read_bytes())
    scorer = HFScorer(str(tmp_path), device="cpu", max_length=16)
    assert not scorer.chat
    assert scorer.texts(["P"], ["R"]) == [RM_TEMPLATE.format(problem="P", reasoning="R")]
    assert len(scorer.score(PROBLEMS, REASONINGS)) == 3  # long inputs are cut to 16 tokens, from the left


def test_hf_scorer_errors(tiny_rm_dir, tmp_path):
    from recode.reward.hf_scorer import HFScorer

    with pytest.raises(ScorerError, match="cannot load reward model"):
        HFScorer(str(tmp_path / "missing"), device="cpu")
    with pytest.raises(ScorerError, match="rm_dtype"):
        HFScorer(str(tiny_rm_dir), device="cpu", dtype="int8")
