"""`recode eval run`: prompts, code extraction, the run folder, pass@k, resuming, and the CLI."""

import json
import math

import pytest
from typer.testing import CliRunner

from recode.cli import app
from recode.config import ConfigError
from recode.datasets import get_benchmark
from recode.eval.run import EvalConfig, build_prompt, extract_code, run_eval
from recode.generate import Generator
from recode.text import SYSTEM_PROMPTS


def test_extract_code_from_either_mode():
    assert extract_code("Sure:\n```python\ndef f():\n    return 1\n```\nDone.") == "def f():\n    return 1"
    reasoning = "<think>easy</think>\n<answer>\n```python\nx = 2\n```\n</answer>"
    assert extract_code(reasoning) == "x = 2"
    assert extract_code("def f(a):\n    return a\n<|im_end|>") == "def f(a):\n    return a"  # bare, valid Python
    assert extract_code("The answer is to loop over the list.") is None  # prose is never run
    assert extract_code("<think>def f(): pass</think>") is None  # code in the reasoning only is not an answer
    assert extract_code("") is None


def test_prompt_imports_are_added_when_missing():
    prompt = "from typing import List\nimport math\n\n\ndef f(xs: List[int]) -> int:\n    \"\"\"doc\"\"\"\n"
    reply = "```python\nimport math\ndef f(xs):\n    return 0\n```"
    assert extract_code(reply, prompt) == "from typing import List\nimport math\ndef f(xs):\n    return 0"
    assert extract_code(reply, prompt, add_imports=False).startswith("import math")


def test_prompts_per_mode():
    bench = get_benchmark("humaneval+")
    problem = bench.problems["HumanEval/0"]
    plain = build_prompt(bench, problem, "plain")
    assert [m["role"] for m in plain] == ["user"] and problem.prompt.strip() in plain[0]["content"]
    assert "self-contained Python script" in plain[0]["content"]
    reasoning = build_prompt(bench, problem, "reasoning")
    assert reasoning[0] == {"role": "system", "content": SYSTEM_PROMPTS["code"]} and reasoning[1] == plain[0]


def test_config_yaml_overrides_and_errors(tmp_path):
    path = tmp_path / "eval.yaml"
    path.write_text("model: m\nbenchmarks: [humaneval+]\nn: 4\ntemperature: 0.8\n")
    cfg = EvalConfig.load(path, ["benchmarks=mbpp+,humaneval+", "limit=3"])
    assert (cfg.model, cfg.n, cfg.temperature, cfg.limit) == ("m", 4, 0.8, 3)
    assert cfg.benchmarks == ["mbpp+", "humaneval+"]
    for override, match in [("mood=plain", "unknown key.*mood"), ("mode=chatty", "mode"), ("n=0", "n must"),
                            ("backend=gpt", "backend"), ("limit=0", "limit"), ("temperature=hot", "temperature")]:
        with pytest.raises(ConfigError, match=match):
            EvalConfig.load(path, [override])


class Oracle(Generator):
    """Answers from a table (user prompt -> reply); fails when asked anything once `frozen`."""

    name = "oracle"

    def __init__(self, replies):
        super().__init__("oracle")
        self.replies, self.frozen, self.calls = replies, False, 0

    def _generate(self, chats, sampling, on_progress):
        assert not self.frozen, "the cache should have answered"
        self.calls += len(chats)
        return [[self.replies[c[-1]["content"]]] * sampling.n for c in chats]


def _replies(spec, mode, kinds):
    bench = get_benchmark(spec)
    out = {}
    for problem, kind in zip(bench.problems.values(), kinds):
        code = {"right": problem.canonical_solution, "wrong": problem.prompt + "    return None\n"}.get(kind)
        reply = f"Here you go:\n```python\n{code}\n```" if code else "I am not sure how to do this."
        if mode == "reasoning":
            reply = f"<think>\nplan\n</think>\n<answer>\n```python\n{code or ''}\n```\n</answer>"
        out[bench.user_prompt(problem)] = reply
    return out


def test_run_folder_and_pass_at_k(tmp_path, pool):
    # The original test sets (fewer tests than the + versions: quicker); base/plus: the next test.
    replies = {**_replies("humaneval", "plain", ["right", "none", "wrong"]),
               **_replies("mbpp", "plain", ["right", "right", "none"])}
    cfg = EvalConfig(model="oracle", benchmarks=["humaneval", "mbpp"], limit=3, n=2, temperature=0.8,
                     out=str(tmp_path / "run"))
    gen = Oracle(replies)
    progress = []
    summary = run_eval(cfg, generator=gen, pool=pool, progress=lambda *a: progress.append(a))
    he, mbpp = summary["benchmarks"]["humaneval"], summary["benchmarks"]["mbpp"]
    assert math.isclose(he["pass@1"], 1 / 3) and he["no_code"] == 2 and he["n_samples"] == 6
    assert math.isclose(mbpp["pass@1"], 2 / 3) and mbpp["no_code"] == 2
    assert "pass@10" not in he and "plus" not in he
    assert summary["config"]["n"] == 2 and "python" in summary["versions"]
    assert ("generate", 6, 6) in progress and any(p[0] == "humaneval: scoring" for p in progress)
    samples = [json.loads(line) for line in (tmp_path / "run" / "humaneval" / "samples.jsonl").open()]
    assert [s["completion_id"] for s in samples] == [0, 1] * 3
    assert samples[2]["no_code"] and samples[2]["solution"] == "" and samples[2]["completion"].startswith("I am")
    assert samples[0]["solution"].startswith(get_benchmark("humaneval").problems["HumanEval/0"].prompt[:20])
    results = [json.loads(line) for line in (tmp_path / "run" / "humaneval" / "results.jsonl").open()]
    assert [r["status"] for r in results[2:4]] == ["no_code", "no_code"] and results[0]["passed"]
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["benchmarks"]["mbpp"] == mbpp
    gen.frozen = True  # a rerun is answered from generations.jsonl
    again = run_eval(cfg, generator=gen, score=False)
    assert again["generation"]["cached"] == 12 and again["generation"]["generated"] == 0
    assert (tmp_path / "run" / "mbpp" / "samples.jsonl").read_text().count("\n") == 6


def test_reasoning_mode_and_math(tmp_path, pool):
    bench = get_benchmark("gsm8k")
    problems = list(bench.problems.values())[:2]
    replies = _replies("humaneval+", "reasoning", ["right", "none"])
    for problem, answer in zip(problems, [problems[0].raw["answer"], "-12345"]):
        replies[bench.user_prompt(problem)] = f"<think>\nwork\n</think>\n<answer>\n\\boxed{{{answer}}}\n</answer>"
    cfg = EvalConfig(model="oracle", benchmarks=["humaneval+", "gsm8k"], limit=2, mode="reasoning",
                     out=str(tmp_path / "run"))
    summary = run_eval(cfg, generator=Oracle(replies), pool=pool)
    he, gsm = summary["benchmarks"]["humaneval+"], summary["benchmarks"]["gsm8k"]
    assert he["pass@1"] == 0.5 and he["no_code"] == 1 and he["base"]["pass@1"] == 0.5  # an empty code block
    assert he["format_ok"] == 1.0  # an empty python block is still the format (it just fails)
    assert gsm["pass@1"] == 0.5 and gsm["format_ok"] == 1.0 and gsm["domain"] == "math"


def test_cli_run_and_report_with_a_tiny_model(tmp_path, tiny_lm):
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(app, ["eval", "run", "--model", tiny_lm, "--benchmarks", "mbpp+", "--limit", "2",
                                 "--max-new-tokens", "4", "--device", "cpu", "--out", str(out), "--name", "tiny",
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "mbpp+: 2 tasks | pass@1 0.0%" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["name"] == "tiny" and summary["generation"]["generated"] == 2
    report = runner.invoke(app, ["eval", "report", str(out), "--out", str(tmp_path / "r.md")])
    assert report.exit_code == 0, report.output
    assert "| tiny | 0.0 | 0.0 | 0.0 |" in (tmp_path / "r.md").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--benchmarks", "humaneval++"], "unknown benchmark 'humaneval++'"),
    (["--set", "temprature=1"], "EvalConfig: unknown key(s) temprature"),
    (["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--set", "timeout_s=1"], "cannot reach"),
])
def test_cli_errors_are_one_line(tmp_path, args, message):
    result = CliRunner().invoke(app, ["eval", "run", "--out", str(tmp_path / "x"), "--limit", "1", *args])
    assert result.exit_code == 2 and f"error: {message}" in result.output.replace("\n", " ")


@pytest.mark.slow
def test_gpu_eval_script_on_cpu(tmp_path, tiny_lm):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_eval.py"
    spec = importlib.util.spec_from_file_location("gpu_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "gpu.json"
    result = module.main(["--model", tiny_lm, "--limit", "2", "--max-new-tokens", "8", "--batch-size", "3",
                          "--device", "cpu", "--static-cache", "on", "--workers", "1", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["pass@1"] == result["pass@1"] == {"humaneval+": 0.0, "mbpp+": 0.0}
    assert saved["generation"]["batches"] == 2 and saved["generation"]["completion_tokens"] > 0
    assert saved["per_benchmark"]["mbpp+"]["n_tasks"] == 2 and saved["sandbox_isolation"]


def test_docstring_examples():
    import doctest

    import recode.eval.run

    result = doctest.testmod(recode.eval.run)
    assert result.attempted > 0 and result.failed == 0
