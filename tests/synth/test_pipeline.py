"""seeds -> variants -> pairs on MBPP tasks with a scripted generator and the real sandbox; resumability."""

import json

import pytest
from typer.testing import CliRunner

from recode.cli import app
from recode.io import read_jsonl

runner = CliRunner()
BASE = ["backend=scripted", "model=scripted", "tasks=[mbpp-train]", "limit=3", "seed_samples=2", "val_fraction=0.34"]


def run(out, *overrides, command="run"):
    args = ["synth", command, "--out", str(out)]
    for o in [*BASE, *overrides]:
        args += ["--set", o]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_full_run_and_resume(scripted, tmp_path):
    run(tmp_path)
    seeds = read_jsonl(tmp_path / "seeds.jsonl")
    # Each task: sample 0 is the reference program (passes), sample 1 is wrong (fails the tests).
    assert len(seeds) == 3 and all(s["mode"] == "free" and s["sample_index"] == 0 for s in seeds)
    assert all(s["verdict"]["status"] == "pass" for s in seeds)
    report = json.loads((tmp_path / "seeds_report.json").read_text())
    assert report["verdicts"] == {"free:pass": 3, "free:fail": 3}

    rows = read_jsonl(tmp_path / "variants.jsonl")
    assert len(rows) == 3 * 3  # seeds x dimensions
    for row in rows:
        assert row["optimized"]["source"] == "llm:optimize"
        llm_deg = [d for d in row["degraded"] if d["source"] == "llm:degrade"]
        assert len(llm_deg) == 1 and "O(n^2)" in llm_deg[0]["text"]  # the second sample: the first leaked code
        assert any("leaks_code: code block" in r["reasons"] for r in row["rejected"] if r["source"] == "llm:degrade")
    rules = {d["source"] for r in rows for d in r["degraded"]} - {"llm:degrade"}
    assert rules == {"rule:drop_step", "rule:swap_steps", "rule:contradict_claim", "rule:wrong_edge_case"}
    # wrong_complexity makes the very O(n) -> O(n^2) edit the LLM made: a duplicate of a kept sibling
    factual = [r for r in rows if r["dimension"] == "factual_accuracy"]
    assert all({"source": "rule:wrong_complexity", "reasons": ["near_duplicate"]} in r["rejected"] for r in factual)

    train, val = read_jsonl(tmp_path / "pairs.train.jsonl"), read_jsonl(tmp_path / "pairs.val.jsonl")
    assert train and val and not {p["task_id"] for p in train} & {p["task_id"] for p in val}
    assert {p["pair_type"] for p in train + val} == {"opt>orig", "orig>deg", "opt>deg"}
    assert all(set(p) >= {"prompt", "chosen", "rejected", "pair_type", "dimension", "generator"} for p in train)
    pairs_report = json.loads((tmp_path / "pairs_report.json").read_text())
    assert 0 <= pairs_report["longer_is_better"]["all_pairs"]["all"]["accuracy"] <= 1

    tally = json.loads((tmp_path / "tally.json").read_text())
    assert tally["completions_generated"] > 0 and tally["completion_tokens"] > 0
    generated = tally["completions_generated"]

    scripted.calls = []
    run(tmp_path)  # a rerun: everything comes from the generation cache, nothing is generated again
    assert scripted.calls == []
    assert json.loads((tmp_path / "tally.json").read_text())["completions_generated"] == generated
    assert read_jsonl(tmp_path / "pairs.train.jsonl") == train


def test_killed_run_resumes_without_redoing_finished_items(scripted, tmp_path):
    run(tmp_path, "limit=2", command="seeds")  # as if killed after the first two problems
    scripted.calls = []
    run(tmp_path, command="seeds")
    assert scripted.calls == [1]  # only the third problem is generated
    assert len(read_jsonl(tmp_path / "seeds.jsonl")) == 3
    assert len((tmp_path / "generations.jsonl").read_text().splitlines()) == 3 * 2


def test_reference_mode_and_judge(scripted, tmp_path):
    run(tmp_path, "seed_mode=reference", "judge=true", "dimensions=[factual_accuracy]", "rule_degraders=[]")
    seeds = read_jsonl(tmp_path / "seeds.jsonl")
    assert {s["mode"] for s in seeds} == {"reference"} and len(seeds) == 3
    rows = read_jsonl(tmp_path / "variants.jsonl")
    # The scripted judge prefers the explanation without the O(n^2) error: the degraded rewrite survives
    # exactly when the judge ranks it below the original.
    for row in rows:
        judged = [r for r in row["rejected"] if any(x.startswith("judge") for x in r["reasons"])]
        assert len(row["degraded"]) + len([r for r in judged if r["source"] == "llm:degrade"]) == 1


def test_free_plus_reference_fills_only_unsolved_problems(scripted, tmp_path, monkeypatch):
    monkeypatch.setattr(scripted, "_one", lambda self, chat, i: (
        f"<think>\n{'word ' * 30}\n</think>" if "correct solution" in chat[-1]["content"]
        else "<think>try</think><answer>```python\ndef nothing():\n    return None\n```</answer>"))
    run(tmp_path, "seed_mode=free+reference", command="seeds")
    seeds = read_jsonl(tmp_path / "seeds.jsonl")
    assert {s["mode"] for s in seeds} == {"reference"} and len(seeds) == 3


@pytest.mark.parametrize("override", ["tasks=[no-such-source]", "model=x", "dimensions=[nope]"])
def test_errors_are_one_line(scripted, tmp_path, override):
    args = ["synth", "seeds", "--out", str(tmp_path)]
    for o in [*BASE, override] if override != "model=x" else ["backend=nope"]:
        args += ["--set", o]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output


def test_math_seeds_are_kept_when_the_answer_verifies(scripted, tmp_path, monkeypatch):
    from recode.tasks import load_tasks

    answers = {t.user_prompt(): t.tests.answer for t in load_tasks("gsm8k-train", 2)}
    wrong = {"n": 0}

    def one(self, chat, i):
        user = chat[-1]["content"]
        answer = next(a for p, a in answers.items() if p in user)
        if i == 1:
            wrong["n"] += 1
            answer = answer + "1"  # a wrong final answer: no seed
        return f"<think>{'reason about the quantities ' * 5}</think><answer>\\boxed{{{answer}}}</answer>"

    monkeypatch.setattr(scripted, "__init__", lambda self, model, **_: super(scripted, self).__init__(model))
    monkeypatch.setattr(scripted, "_one", one)
    run(tmp_path, "tasks=[gsm8k-train]", "limit=2", "seed_samples=2", command="seeds")
    seeds = read_jsonl(tmp_path / "seeds.jsonl")
    assert len(seeds) == 2 and all(s["domain"] == "math" and s["sample_index"] == 0 for s in seeds)
    assert json.loads((tmp_path / "seeds_report.json").read_text())["verdicts"] == {"free:pass": 2, "free:fail": 2}
