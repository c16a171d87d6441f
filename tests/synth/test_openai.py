"""`recode synth` against a real OpenAI-compatible server process (the tiny model behind `recode generate serve`):
concurrency, client-side rate limit, token/cost tally, and a rerun that needs no server at all."""

import json

from typer.testing import CliRunner

from recode.cli import app
from recode.io import read_jsonl
from recode.synth.llm import RateLimited

runner = CliRunner()


def invoke(out, overrides):
    args = ["synth", "run", "--out", str(out)]
    for o in overrides:
        args += ["--set", o]
    return runner.invoke(app, args)


def test_synth_through_an_openai_server(openai_server, tmp_path):
    options = f"generator_options={{base_url: '{openai_server}', concurrency: 4, requests_per_minute: 6000}}"
    overrides = ["backend=openai", "model=tiny", options, "tasks=[mbpp-train]", "limit=2", "seed_mode=reference",
                 "seed_max_new_tokens=24", "variant_max_new_tokens=24", "min_reasoning_words=1",
                 "dimensions=[logical_rigor]", "variant_samples=1", "prompt_price_per_mtok=1.0",
                 "completion_price_per_mtok=2.0"]
    result = invoke(tmp_path, overrides)
    assert result.exit_code == 0, result.output
    tally = json.loads((tmp_path / "tally.json").read_text())
    seeds = read_jsonl(tmp_path / "seeds.jsonl")
    # 2 reference-guided seed requests, then one optimize and one degrade request per seed
    assert tally["requests"] == 2 + 2 * len(seeds) and tally["completions_generated"] == tally["requests"]
    assert tally["prompt_tokens"] > 0 and tally["completion_tokens"] > 0
    assert tally["cost"] == round((tally["prompt_tokens"] + 2 * tally["completion_tokens"]) / 1e6, 6)
    assert len((tmp_path / "generations.jsonl").read_text().splitlines()) == tally["requests"]

    # A rerun reuses every completion: it works with the server address wrong (no request is made).
    overrides[2] = "generator_options={base_url: 'http://127.0.0.1:9/v1', max_retries: 0}"
    result = invoke(tmp_path, overrides)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "tally.json").read_text())["requests"] == tally["requests"]


def test_unreachable_server_is_a_clear_error(tmp_path):
    result = invoke(tmp_path, ["backend=openai", "model=m", "tasks=[mbpp-train]", "limit=1",
                               "generator_options={base_url: 'http://127.0.0.1:9/v1', max_retries: 0}"])
    assert result.exit_code == 2 and "error:" in result.output and "127.0.0.1:9" in result.output


def test_rate_limit_spaces_requests():
    class Fake:
        model = "m"

        def generate(self, chats, sampling, on_progress=None):
            return [["x"] for _ in chats]

    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    limited = RateLimited(Fake(), rpm=60, clock=lambda: now[0], sleep=sleep)
    assert limited.generate([[{"role": "user", "content": str(i)}] for i in range(25)], None) == [["x"]] * 25
    # 60/min = 1/s, in windows of 10: the 2nd window starts after 10 s, the 3rd after 20 s
    assert slept == [10.0, 10.0]
