"""`recode eval run` / `recode eval score` on the math benchmarks: pass@k, maj@k, MATH-500 buckets, the CLI."""

import json

from typer.testing import CliRunner

from recode.cli import app
from recode.datasets import get_benchmark
from recode.eval.run import EvalConfig, run_eval
from recode.generate import Generator


class Scripted(Generator):
    """Replies from a table: user prompt -> the n completions, in order."""

    name = "scripted"

    def __init__(self, replies):
        super().__init__("scripted")
        self.replies = replies

    def _generate(self, chats, sampling, on_progress):
        return [self.replies[c[-1]["content"]][:sampling.n] for c in chats]


def _boxed(answer: str) -> str:
    return f"<think>\nwork\n</think>\n<answer>\n\\boxed{{{answer}}}\n</answer>"


def test_run_reports_pass_at_k_maj_at_k_and_buckets(tmp_path):
    gsm, m500 = get_benchmark("gsm8k"), get_benchmark("math500")
    g = list(gsm.problems.values())[:2]  # answers 18 and 3
    m = list(m500.problems.values())[:2]
    replies = {
        # problem 1: right once, then a wrong answer twice (majority wrong); problem 2: right twice, in prose once
        gsm.user_prompt(g[0]): [_boxed("18"), _boxed("17"), "so the answer is 17"],
        gsm.user_prompt(g[1]): [_boxed("3"), "No idea.", "<think>x</think><answer>It is 3 bolts.</answer>"],
        # MATH-500: an equivalent form of the reference, and a wrong one
        m500.user_prompt(m[0]): [_boxed(r"\left(3,\frac{\pi}{2}\right)")] * 3,
        m500.user_prompt(m[1]): [_boxed("p + q")] * 3,
    }
    cfg = EvalConfig(model="scripted", benchmarks=["gsm8k", "math500"], limit=2, n=3, temperature=0.7,
                     out=str(tmp_path / "run"), mode="reasoning")
    summary = run_eval(cfg, generator=Scripted(replies))
    gs, ms = summary["benchmarks"]["gsm8k"], summary["benchmarks"]["math500"]
    assert gs["domain"] == "math" and gs["n_samples"] == 6
    assert abs(gs["pass@1"] - (1 / 3 + 2 / 3) / 2) < 1e-9 and gs["maj@3"] == 0.5
    assert gs["no_answer"] == 1 and gs["status_counts"] == {"pass": 3, "wrong": 2, "no_answer": 1}
    assert ms["pass@1"] == 0.5 and ms["maj@3"] == 0.5
    level = str(m[0].raw["meta"]["level"])
    assert ms["buckets"]["level"][level]["pass@1"] == 1.0 and "subject" in ms["buckets"]
    results = [json.loads(line) for line in (tmp_path / "run" / "gsm8k" / "results.jsonl").open()]
    assert [r["answer"] for r in results] == ["18", "17", "17", "3", None, "3"]

    # the samples score again offline, with `recode eval score` (e.g. generated on another machine)
    out = tmp_path / "rescored.jsonl"
    result = CliRunner().invoke(app, ["eval", "score", "--benchmark", "gsm8k", "--samples",
                                      str(tmp_path / "run" / "gsm8k" / "samples.jsonl"), "--out", str(out),
                                      "--summary-out", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert "gsm8k: 6 samples, 2 tasks | pass@1 base 50.0%" in result.output
    assert [json.loads(line)["passed"] for line in out.open()] == [r["passed"] for r in results]
    assert json.loads((tmp_path / "s.json").read_text())["maj@3"] == 0.5


def test_cli_run_on_math_with_a_tiny_model(tmp_path, tiny_lm):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["eval", "run", "--model", tiny_lm, "--benchmarks", "gsm8k,math500",
                                      "--limit", "2", "--max-new-tokens", "4", "--device", "cpu", "--out", str(out),
                                      "--mode", "reasoning"])
    assert result.exit_code == 0, result.output
    assert "gsm8k: 2 tasks | pass@1 0.0%" in result.output and "math500: 2 tasks | pass@1 0.0%" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["benchmarks"]) == {"gsm8k", "math500"} and summary["generation"]["generated"] == 4
