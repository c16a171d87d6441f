"""Reward-model training, scoring and evaluation on tiny models: one template from training to the reward."""

import json
import random

import pytest
from typer.testing import CliRunner

from recode.cli import app
from recode.io import DataError, read_jsonl, write_jsonl
from recode.reward.config import ConfigError
from recode.rm.config import RMTrainConfig
from recode.reward.rm_input import encode_rm_inputs as encode
from recode.reward.rm_input import prepare_rm_tokenizer as prepare_tokenizer
from recode.rm.data import read_pairs

runner = CliRunner()
GOOD = ["check the empty list first", "handle negative numbers", "verify the example by hand",
        "consider a single element", "the loop ends because i grows"]
BAD = ["ignore the empty list entirely", "negative numbers never matter", "no need to verify anything",
       "assume many elements always", "the loop surely ends somehow"]


def make_pairs(n: int, seed: int) -> list[dict]:
    """Chosen and rejected reasonings of equal length that differ only in rigorous vs sloppy phrases."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = rng.randint(0, 4)
        base = f"Sum the list number {i}. "
        chosen, rejected = base + GOOD[k] + ".", base + BAD[k] + "."
        rows.append({"task_id": f"T/{i}", "prompt": f"Write a function to sum list {i}.", "chosen": chosen,
                     "rejected": rejected, "pair_type": ["orig>deg", "opt>deg"][i % 2], "dimension": "logical_rigor",
                     "chosen_words": len(chosen.split()), "rejected_words": len(rejected.split()),
                     "rejected_source": "rule:test"})
    return rows


@pytest.fixture(scope="module")
def pair_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pairs")
    write_jsonl(d / "train.jsonl", make_pairs(48, 0))
    write_jsonl(d / "val.jsonl", make_pairs(16, 1))
    return d / "train.jsonl", d / "val.jsonl"


def test_training_ids_are_what_the_reward_scores(tiny_rm):
    """HFScorer (the reward's scorer) gives a text the score the model gives the ids training used."""
    import torch
    from transformers import AutoTokenizer

    from recode.reward.hf_scorer import HFScorer

    scorer = HFScorer(tiny_rm, device="cpu", max_length=64)
    tok = prepare_tokenizer(AutoTokenizer.from_pretrained(tiny_rm), 64)
    problems, reasonings = ["Add a and b.", "Sort it. " * 40], ["Use +.", "Sort, then scan. " * 30]
    ids = encode(tok, problems, reasonings, 64)
    assert len(ids[1]) == 64  # long input: cut at the start, as the scorer cuts it
    assert ids[1][-3:] == tok(scorer.texts(problems, reasonings)[1], add_special_tokens=False)["input_ids"][-3:]
    scores = scorer.score(problems, reasonings)
    with torch.inference_mode():
        direct = [scorer.model(input_ids=torch.tensor([x])).logits[0, 0].item() for x in ids]
    assert scores == pytest.approx(direct, abs=1e-5)


def test_lora_training_learns_the_pairs(tiny_lm, pair_files, tmp_path):
    from recode.rm.train import train

    cfg = RMTrainConfig(train_pairs=str(pair_files[0]), val_pairs=str(pair_files[1]), output_dir=str(tmp_path),
                        model=tiny_lm, lora=True, learning_rate=3e-3, num_train_epochs=4, max_length=64,
                        per_device_train_batch_size=8, eval_base=True, logging_steps=2, lora_layers=1)
    card = train(cfg)
    assert card["val"]["all"]["accuracy"] >= 0.9 and card["val"]["all"]["n"] == 16
    assert card["val"]["all"]["longer_is_better"] == 0.5  # equal lengths: length cannot explain the accuracy
    assert set(card["val"]) >= {"pair_type=orig>deg", "pair_type=opt>deg", "dimension=logical_rigor", "source=rule"}
    assert card["val_untrained"]["all"]["n"] == 16
    assert card["loss_history"][-1]["loss"] < card["loss_history"][0]["loss"]
    assert (tmp_path / "model" / "config.json").exists() and (tmp_path / "adapter").exists()
    assert json.loads((tmp_path / "eval.json").read_text())["trained"] == card["val"]
    # The merged RM is what the reward's hf scorer loads.
    from recode.reward import RewardConfig
    from recode.reward.scorers import build_scorer

    scorer = build_scorer(RewardConfig(scorer="hf", rm_model=str(tmp_path / "model"), rm_device="cpu"))
    good, bad = scorer.score(["Write a function to sum list 3."] * 2, ["Sum it. " + GOOD[0], "Sum it. " + BAD[0]])
    assert good > bad


@pytest.mark.slow
def test_full_training_via_cli(tiny_lm, pair_files, tmp_path):
    result = runner.invoke(app, ["rm", "train", "--set", f"train_pairs={pair_files[0]}",
                                 "--set", f"val_pairs={pair_files[1]}", "--set", f"output_dir={tmp_path}",
                                 "--set", f"model={tiny_lm}", "--set", "lora=false", "--set", "max_steps=2",
                                 "--set", "max_length=64"])
    assert result.exit_code == 0, result.output
    assert "pair_type=orig>deg" in result.output and "longer-is-better" in result.output
    assert not (tmp_path / "adapter").exists() and (tmp_path / "model" / "model.safetensors").exists()


def test_score_and_eval_commands(tiny_rm, pair_files, tmp_path):
    records = [{"id": 1, "problem": "Add a and b.", "reasoning": "Use +."},
               {"id": 2, "problem": "Add a and b.", "completion": "<think>Add them.</think><answer>```python\n"
                                                                   "def f(a, b): return a + b\n```</answer>"}]
    write_jsonl(tmp_path / "records.jsonl", records)
    result = runner.invoke(app, ["rm", "score", "--model", tiny_rm, "--records", str(tmp_path / "records.jsonl"),
                                 "--out", str(tmp_path / "scored.jsonl"), "--device", "cpu",
                                 "--stats-out", str(tmp_path / "stats.json")])
    assert result.exit_code == 0, result.output
    scored = read_jsonl(tmp_path / "scored.jsonl")
    assert [r["id"] for r in scored] == [1, 2] and all(0 < r["rm_unit"] < 1 for r in scored)
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["records"] == 2 and stats["tokens_per_s"] > 0 and "records/s" in result.output

    result = runner.invoke(app, ["rm", "eval", "--model", tiny_rm, "--pairs", str(pair_files[1]), "--device", "cpu",
                                 "--out", str(tmp_path / "eval.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "eval.json").read_text())["all"]["n"] == 16


def test_bad_inputs_fail_with_one_line(tiny_rm, tmp_path):
    write_jsonl(tmp_path / "bad.jsonl", [{"problem": "x", "reasoning": "y"}, {"reasoning": "no problem"}])
    result = runner.invoke(app, ["rm", "score", "--model", tiny_rm, "--records", str(tmp_path / "bad.jsonl"),
                                 "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "bad.jsonl:2" in result.output and "problem" in result.output
    write_jsonl(tmp_path / "pairs.jsonl", [{"prompt": "p", "chosen": "a", "rejected": ""}])
    with pytest.raises(DataError, match=r"pairs.jsonl:1: `rejected`"):
        read_pairs(tmp_path / "pairs.jsonl")
    result = runner.invoke(app, ["rm", "train", "--set", "lerning_rate=1"])
    assert result.exit_code == 2 and "unknown key" in result.output


def test_config_rejects_trl_keys_it_owns():
    with pytest.raises(ConfigError, match="learning_rate"):
        RMTrainConfig.load(None, ["trl={learning_rate: 0.1}"])
    assert RMTrainConfig.load(None, ["trl={max_grad_norm: 0.5}", "bf16=false"]).bf16 is False
