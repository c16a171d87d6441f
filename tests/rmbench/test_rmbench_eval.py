"""Scorers on pairs (reward-registry RMs, baselines, an LLM judge in both orders) and `recode rmbench eval`."""

import json

import pytest
from typer.testing import CliRunner

from recode.cli import app
from recode.io import DataError
from recode.rmbench.evaluate import ScorerSpec, evaluate, parse_scorer
from recode.rmbench.judge import PairJudge, parse_verdict
from recode.rmbench.pairs import Pair, Side


def _pairs():
    return [Pair("short-wins", "Add a and b.", Side("Return a + b."), Side("Return a - b because minus is plus."),
                 task_id="t1", difficulty="Easy", date="2024-08-04"),
            Pair("long-wins", "Reverse s.", Side("Slice with step -1, which also handles the empty string."),
                 Side("Sort it."), task_id="t2", difficulty="Hard", date="2024-10-01")]


def test_parse_scorer_shorthand():
    assert parse_scorer("length").name == "length"
    s = parse_scorer("crpl=hf:runs/rm/crpl")
    assert (s.name, s.kind, s.model) == ("crpl", "hf", "runs/rm/crpl")
    assert parse_scorer("hf:org/rm-7b").name == "hf:rm-7b"
    j = parse_scorer("judge:gpt-4o", base_url="http://x/v1")
    assert (j.kind, j.backend, j.model, j.base_url) == ("judge", "openai", "gpt-4o", "http://x/v1")
    assert parse_scorer("judge-hf:smollm2").backend == "hf"
    assert parse_scorer("remote:http://h:8000").url == "http://h:8000"
    with pytest.raises(DataError, match="kind 'best' is not one of"):
        parse_scorer("best")
    with pytest.raises(DataError, match="kind 'hf' needs a model"):
        parse_scorer("hf:")
    with pytest.raises(DataError, match="takes no argument"):
        parse_scorer("length:3")
    with pytest.raises(DataError, match="unknown scorer key"):
        ScorerSpec.from_dict({"kind": "hf", "model": "m", "colour": 1}, "cfg")


def test_length_random_constant_scorers():
    pairs = _pairs()
    result, rows = evaluate(pairs, parse_scorer("length"), n_resamples=100)
    assert [r["outcome"] for r in rows] == [0.0, 1.0] and result["summary"]["accuracy"] == 0.5
    assert result["baselines"]["longer_wins"] == 0.5  # the length scorer IS the longer-wins baseline
    const, _ = evaluate(pairs, parse_scorer("constant"), n_resamples=100)
    assert const["summary"]["ties"] == 2 and const["summary"]["accuracy"] == 0.5
    _, rows1 = evaluate(pairs, parse_scorer("random"), n_resamples=100)
    _, rows2 = evaluate(pairs, parse_scorer("random"), n_resamples=100)
    assert rows1 == rows2  # seeded


def test_hf_reward_model_scores_both_sides(tiny_rm):
    from recode.reward.hf_scorer import HFScorer

    pairs = _pairs()
    result, rows = evaluate(pairs, ScorerSpec("tiny", "hf", model=tiny_rm, device="cpu"), n_resamples=100)
    direct = HFScorer(tiny_rm, device="cpu").score([p.problem for p in pairs], [p.chosen.reasoning for p in pairs])
    assert [r["chosen_score"] for r in rows] == pytest.approx(direct, abs=1e-5)  # the reward's own RM input
    assert result["summary"]["n"] == 2 and result["seconds"] >= 0


def test_fresh_head_is_repeatable(tiny_lm):
    pairs = _pairs()
    _, a = evaluate(pairs, ScorerSpec("base", "hf", model=tiny_lm, device="cpu", seed=1), n_resamples=10)
    _, b = evaluate(pairs, ScorerSpec("base", "hf", model=tiny_lm, device="cpu", seed=1), n_resamples=10)
    assert a == b


class ScriptedGenerator:
    """Replies from a function of the prompt: a stand-in for an LLM endpoint with a known preference."""

    model = "scripted"

    def __init__(self, reply):
        self.reply, self.prompts = reply, []

    def generate(self, prompts, sampling, on_progress=None):
        self.prompts += prompts
        return [[self.reply(p[-1]["content"])] for p in prompts]


def test_parse_verdict():
    assert parse_verdict("blah\nVerdict: A") == "A"
    assert parse_verdict("**Verdict:** [[B]]") == "B"
    assert parse_verdict("Verdict: A ... on reflection Verdict: tie") == "tie"
    assert parse_verdict("I like A") is None


def test_judge_runs_both_orders_and_cancels_position_bias():
    pairs = _pairs()
    always_a = PairJudge(ScriptedGenerator(lambda text: "Verdict: A"))
    assert [r.outcome for r in always_a.judge(pairs)] == [0.5, 0.5]  # position bias scores exactly chance
    assert len(always_a.generator.prompts) == 4

    def prefers_plus(text):  # a judge that knows the right answer for the first pair, and shrugs otherwise
        a = text.split("[Reasoning A]")[1].split("[Reasoning B]")[0]
        if "a + b" in text:
            return "A is correct.\nVerdict: " + ("A" if "a + b" in a else "B")
        return "Both seem fine.\nVerdict: tie"

    results = PairJudge(ScriptedGenerator(prefers_plus)).judge(pairs)
    assert [r.outcome for r in results] == [1.0, 0.5] and results[0].verdicts == ("A", "B")
    assert results[0].to_dict("m")["rationale_chosen_first"].startswith("A is correct")


def test_judge_scorer_with_a_local_generator(tiny_lm):
    result, rows = evaluate(_pairs(), ScorerSpec("judge", "judge", model=tiny_lm, backend="hf", device="cpu",
                                                 max_new_tokens=4), n_resamples=10)
    assert all(r["outcome"] in (0.0, 0.25, 0.5, 0.75, 1.0) for r in rows) and result["summary"]["n"] == 2


def test_cli_eval_and_leaderboard(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in _pairs()))
    runner = CliRunner()
    res = runner.invoke(app, ["rmbench", "eval", "--pairs", str(pairs), "--scorer", "length", "--scorer",
                              "coin=random", "--out", str(tmp_path / "ev"), "--resamples", "50"])
    assert res.exit_code == 0, res.output
    assert "length: 50.0% of 2 pairs" in res.output and "| scorer | pairs | accuracy |" in res.output
    assert (tmp_path / "ev" / "coin.json").exists() and (tmp_path / "ev" / "length.pairs.jsonl").exists()
    res = runner.invoke(app, ["rmbench", "leaderboard", str(tmp_path / "ev"), "--breakdown", "by_date"])
    assert res.exit_code == 0 and "2024-08" in res.output and "coin" in res.output


def test_cli_bad_pair_file_names_the_line(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    records = [p.to_dict() for p in _pairs()] + [_pairs()[0].to_dict()]
    del records[1]["rejected"]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in records))
    runner = CliRunner()
    res = runner.invoke(app, ["rmbench", "validate", str(pairs)])
    assert res.exit_code == 2 and "pairs.jsonl:2: missing field(s) rejected" in res.output
    del records[1]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in records))
    res = runner.invoke(app, ["rmbench", "eval", "--pairs", str(pairs), "--scorer", "length", "--out",
                              str(tmp_path / "ev")])
    assert res.exit_code == 2 and "pairs.jsonl:2: duplicate pair_id 'short-wins' (first at" in res.output
    assert "Traceback" not in res.output


@pytest.mark.slow  # starts a model server in a subprocess: minutes on a loaded 2-core machine
def test_judge_over_an_openai_compatible_server(openai_server):
    """The judge scorer through the OpenAI client against a real local server (a tiny random model: it never
    writes a verdict, so every vote is a tie and every pair scores 0.5)."""
    result, rows = evaluate(_pairs(), parse_scorer("judge:tiny", base_url=openai_server), n_resamples=10)
    assert [r["outcome"] for r in rows] == [0.5, 0.5] and result["summary"]["ties"] == 2


@pytest.mark.slow
def test_build_screening_with_a_judge_endpoint(openai_server):
    from recode.rmbench.build import judge_pairs
    from recode.rmbench.config import BuildConfig

    pairs = _pairs()
    pairs[1].mode = "judge_both_pass"
    cfg = BuildConfig(screen="confirm", judge_model="tiny", judge_base_url=openai_server, judge_max_new_tokens=8,
                      modes=["pass_fail", "judge_both_pass"])
    report: dict = {}
    kept, out = judge_pairs(pairs, cfg, report)
    assert kept == [] and len(out) == 2  # no confirmation from a judge without verdicts: nothing is kept
    assert out[0].judge["model"] == "tiny" and out[0].judge["verdicts"] == [None, None]
    assert report["judge"] == {"model": "tiny", "judged": 2, "kept": 0, "screened_out": 2}


def test_scorers_from_yaml(tmp_path):
    from recode.rmbench.evaluate import load_scorers

    specs = load_scorers("configs/rmbench/scorers.yaml")
    assert [s.kind for s in specs] == ["hf", "hf", "length", "random"] and specs[1].model == "smollm2"
    bad = tmp_path / "s.yaml"
    bad.write_text("- kind: length\n- {kind: hf}\n")
    with pytest.raises(DataError, match=r"s\.yaml scorer 2.*kind 'hf' needs a model"):
        load_scorers(bad)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in _pairs()))
    good = tmp_path / "g.yaml"
    good.write_text("- {name: longer, kind: length}\n- {kind: constant}\n")
    res = CliRunner().invoke(app, ["rmbench", "eval", "--pairs", str(pairs), "--scorers", str(good), "--scorer",
                                   "random", "--out", str(tmp_path / "ev"), "--resamples", "20"])
    assert res.exit_code == 0, res.output
    assert {"longer.json", "constant.json", "random.json"} <= {p.name for p in (tmp_path / "ev").iterdir()}
    res = CliRunner().invoke(app, ["rmbench", "eval", "--pairs", str(pairs), "--out", str(tmp_path / "ev")])
    assert res.exit_code == 2 and "no scorer" in res.output
