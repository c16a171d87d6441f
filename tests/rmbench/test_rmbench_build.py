"""Building candidates: pairing modes, sample reuse limits, length balancing, the whole build on real executions."""

import json
import random

import pytest

from recode.io import DataError
from recode.rmbench.build import build, sample_key, sample_problems, select_problems
from recode.rmbench.config import BuildConfig, ConfigError
from recode.rmbench.pairing import balance_lengths, orientation, problem_candidates, select_pairs
from recode.rmbench.pairs import Pair, Side, read_pairs
from recode.rmbench.problems import BenchProblem, load_problems


def _exec(sample, passed, rate, words=10, code="x = 1", status=None):
    return {"task_id": "t", "sample": sample, "reasoning": " ".join(f"w{sample}" for _ in range(words)),
            "code": code, "passed": passed, "pass_rate": rate, "status": status or ("pass" if passed else "fail")}


def _problem(task_id="t"):
    return BenchProblem(task_id, "Problem text", [], "Easy", "2024-08-04", lambda code, job_id: None)


def test_modes_decide_which_pairs_exist():
    execs = [_exec(0, True, 1.0), _exec(1, False, 0.5), _exec(2, False, 0.0), _exec(3, True, 1.0)]
    cfg = BuildConfig(modes=["pass_fail"], max_length_ratio=0)
    got = {(m, a["sample"], b["sample"]) for m, a, b in problem_candidates(_problem(), execs, cfg)}
    assert got == {("pass_fail", 0, 1), ("pass_fail", 0, 2), ("pass_fail", 3, 1), ("pass_fail", 3, 2)}
    cfg = BuildConfig(modes=["pass_rate"], min_pass_rate_gap=0.5, max_length_ratio=0)
    got = {(a["sample"], b["sample"]) for m, a, b in problem_candidates(_problem(), execs, cfg)}
    assert got == {(0, 1), (0, 2), (3, 1), (3, 2), (1, 2)}
    cfg = BuildConfig(modes=["judge_both_pass"], judge_model="j", max_length_ratio=0)
    assert [(m, a["sample"], b["sample"]) for m, a, b in problem_candidates(_problem(), execs, cfg)] == \
        [("judge_both_pass", 0, 3)]  # unordered: listed once, the judge orients it


def test_exec_tier_mode():
    from recode.rmbench.pairing import exec_tier

    unparsable = dict(_exec(0, False, 0.0, status="runtime_error"), errors=1, parses=False)
    crash = dict(_exec(1, False, 0.0, status="runtime_error"), errors=3, parses=True)
    clean = dict(_exec(2, False, 0.0), errors=0, parses=True)
    partial_crash = dict(_exec(3, False, 0.5, status="runtime_error"), errors=1, parses=True)
    assert [exec_tier(e) for e in (unparsable, crash, clean, partial_crash)] == [0, 1, 2, 3]
    cfg = BuildConfig(modes=["exec_tier"], max_length_ratio=0)
    got = {(a["sample"], b["sample"]) for m, a, b in
           problem_candidates(_problem(), [unparsable, crash, clean, partial_crash], cfg)}
    assert got == {(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)}
    cfg = BuildConfig(modes=["pass_rate", "exec_tier"], min_pass_rate_gap=0.5, max_length_ratio=0)
    modes = {(a["sample"], b["sample"]): m for m, a, b in problem_candidates(_problem(), [clean, partial_crash], cfg)}
    assert modes == {(3, 2): "pass_rate"}  # the stronger mode names the pair


def test_eligibility_filters_short_duplicate_and_codeless_reasonings():
    execs = [_exec(0, True, 1.0), _exec(1, False, 0.0, words=3), _exec(2, False, 0.0, code=None, status="no_code"),
             dict(_exec(3, False, 0.0), reasoning=_exec(0, True, 1.0)["reasoning"]), _exec(4, False, 0.0)]
    cfg = BuildConfig(modes=["pass_fail"], min_reasoning_words=5, max_length_ratio=0)
    assert [(a["sample"], b["sample"]) for _, a, b in problem_candidates(_problem(), execs, cfg)] == [(0, 4)]
    cfg = BuildConfig(modes=["pass_fail"], min_reasoning_words=5, require_code=False, max_length_ratio=0)
    assert {b["sample"] for _, a, b in problem_candidates(_problem(), execs, cfg)} == {2, 4}


def test_length_ratio_limit():
    execs = [_exec(0, True, 1.0, words=10), _exec(1, False, 0.0, words=40), _exec(2, False, 0.0, words=25)]
    cfg = BuildConfig(modes=["pass_fail"], max_length_ratio=3.0)
    assert [b["sample"] for _, a, b in problem_candidates(_problem(), execs, cfg)] == [2]


def test_selection_respects_sample_uses_and_per_problem_cap():
    execs = [_exec(i, i < 2, 1.0 if i < 2 else 0.0, words=10 + i) for i in range(6)]
    cfg = BuildConfig(modes=["pass_fail"], max_pairs_per_problem=4, max_sample_uses=1)
    cands = {"t": problem_candidates(_problem(), execs, cfg)}
    pairs = select_pairs({"t": _problem()}, cands, cfg, random.Random(0))
    assert len(pairs) == 2  # only two passing samples, each used once
    used = [s for p in pairs for s in (p.chosen.sample, p.rejected.sample)]
    assert len(used) == len(set(used))
    cfg = BuildConfig(modes=["pass_fail"], max_pairs_per_problem=3, max_sample_uses=3)
    assert len(select_pairs({"t": _problem()}, cands, cfg, random.Random(0))) == 3
    assert pairs[0].pair_id.startswith("t:") and pairs[0].difficulty == "Easy" and pairs[0].mode == "pass_fail"


def test_length_balancing_removes_the_longer_wins_shortcut():
    rng = random.Random(0)
    pairs = [Pair(f"p{i}", "q", Side("a " * (20 if i < 15 else 5)), Side("b " * 10), task_id=f"t{i % 4}")
             for i in range(20)]
    kept, dropped = balance_lengths(pairs, 0.1, rng)
    longer = sum(orientation(p.chosen.words, p.rejected.words) > 0 for p in kept)
    assert longer == 5 + (len(kept) - 10) and abs(2 * longer - len(kept)) <= 0.1 * len(kept)
    assert dropped == 20 - len(kept) and len(kept) >= 10


def test_starter_code_prefill_is_part_of_the_sample():
    from recode.rmbench.build import chat_of, prefix_of, reasoning_of
    from recode.text import parse_completion

    problem = BenchProblem("t", "p", [{"role": "user", "content": "Solve."}], None, None, lambda c, j: None,
                           "class Solution:\n    def f(self, a: int) -> int:\n        ")
    cfg = BuildConfig(prefill="starter_code")
    assert chat_of(problem, cfg)[-1] == {"role": "assistant", "content": "```python\n" + problem.starter_code}
    assert chat_of(problem, BuildConfig()) == problem.messages and prefix_of(problem, BuildConfig()) == ""
    assert sample_key(cfg) != sample_key(BuildConfig())  # prefilled samples never mix with plain ones
    text = prefix_of(problem, cfg) + "return a + 1\n```\nThis adds one to the input, as asked."
    parsed = parse_completion(text)
    assert parsed.code.endswith("def f(self, a: int) -> int:\n        return a + 1")
    assert reasoning_of(text, parsed, "think_or_prose") == "This adds one to the input, as asked."


def test_config_from_yaml_and_overrides(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("tasks: leetcodedataset\ndifficulties: [Easy]\ndate_from: 2024-08-01\nn_samples: 4\n")
    cfg = BuildConfig.load(path, ["modes=pass_fail,pass_rate", "seed=3"])
    assert cfg.date_from == "2024-08-01" and cfg.difficulties == ["Easy"] and cfg.modes == ["pass_fail", "pass_rate"]
    with pytest.raises(ConfigError, match="unknown key\\(s\\) n_sample;"):
        BuildConfig.load(None, ["n_sample=3"])
    with pytest.raises(ConfigError, match="n_samples must be int"):
        BuildConfig.load(None, ["n_samples=many"])
    with pytest.raises(ConfigError, match="judge_model: screening"):
        BuildConfig.load(None, ["screen=confirm"])
    with pytest.raises(ConfigError, match="modes: \\['best'\\] not valid"):
        BuildConfig.load(None, ["modes=best"])


def test_problems_from_a_benchmark_have_dates_and_difficulty():
    problems, _ = load_problems("leetcodedataset")
    easy = select_problems(problems, BuildConfig(difficulties=["easy"], date_from="2024-09-01", max_problems=3))
    assert len(easy) == 3 and all(p.difficulty == "Easy" and p.date >= "2024-09-01" for p in easy)
    assert easy == sorted(easy, key=lambda p: p.date)
    assert easy[0].messages[0]["role"] == "system" and "### Question" in easy[0].messages[1]["content"]
    tasks, _ = load_problems("mbpp-validation")
    with pytest.raises(DataError, match="has no date, so the date window"):
        select_problems(tasks, BuildConfig(date_from="2024-01-01"))


TASKS = [
    {"task_id": "add", "data_source": "test", "domain": "code", "problem": "Write add(a, b) returning a + b.",
     "tests": {"kind": "assert", "test_code": "assert add(1, 2) == 3\nassert add(0, 0) == 0\nassert add(2, 2) == 4",
               "entry_point": "add"}, "meta": {"difficulty": "Easy", "date": "2024-08-04"}},
    {"task_id": "neg", "data_source": "test", "domain": "code", "problem": "Write neg(a) returning -a.",
     "tests": {"kind": "assert", "test_code": "assert neg(1) == -1\nassert neg(0) == 0", "entry_point": "neg"},
     "meta": {"difficulty": "Medium", "date": "2024-09-10"}},
]
COMPLETIONS = {
    "add": [("Adding two numbers is the plus operator; return a plus b for every input.", "return a + b"),
            ("Multiplying is what adding means here, so I will return the product of a and b.", "return a * b"),
            ("I think subtraction works because the difference is always the sum of the numbers.", "return a - b"),
            ("The sum is a plus b, which covers zero and negative values as well as positive ones, so plus.",
             "return b + a")],
    "neg": [("Negation flips the sign: return zero minus a, which also maps zero to zero correctly.", "return -a"),
            ("The negative of a is a itself because negative numbers are numbers too, so return it.", "return a"),
            ("Negation is subtraction from zero, so the answer is zero minus a for any integer a given.", "return 0 - a"),
            ("Negating twice gives a back, so negating once must be the absolute value of a; return it.",
             "return abs(a)")],
}


def _seed_samples(out, cfg):
    key = sample_key(cfg)
    lines = []
    for task_id, samples in COMPLETIONS.items():
        name = "add(a, b)" if task_id == "add" else "neg(a)"
        for i, (reasoning, body) in enumerate(samples):
            completion = f"<think>{reasoning}</think>\n<answer>\n```python\ndef {name}:\n    {body}\n```\n</answer>"
            lines.append({"task_id": task_id, "sample": i, "completion": completion, "key": key})
    out.mkdir(parents=True, exist_ok=True)
    (out / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


def test_build_executes_pairs_and_writes_the_review_page(tmp_path):
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    cfg = BuildConfig(tasks=str(tmp_path / "tasks.jsonl"), n_samples=len(COMPLETIONS["add"]), max_new_tokens=64,
                      modes=["pass_fail"], max_pairs_per_problem=2, max_sample_uses=1, min_reasoning_words=5,
                      length_balance=False, sandbox_workers=1)
    out = tmp_path / "out"
    _seed_samples(out, cfg)  # the samples exist: the build executes them and never loads a generator
    report = build(cfg, out)
    assert report["samples"]["passed"] == 2 + 2 and report["samples"]["problems_with_a_pass"] == 2
    assert "generate" in report["seconds"] and report["problems"] == 2
    execs = {(e["task_id"], e["sample"]): e for e in map(json.loads, (out / "executions.jsonl").open())}
    assert execs[("add", 2)]["pass_rate"] == pytest.approx(1 / 3) and execs[("add", 1)]["status"] == "fail"
    assert execs[("add", 1)]["errors"] == 0 and execs[("neg", 3)]["errors"] == 0 and execs[("add", 1)]["parses"]
    header, pairs = read_pairs(out / "candidates.jsonl")
    assert header["provenance"]["generator"]["model"] == "smollm2" and header["counts"]["pairs"] == len(pairs)
    assert all(p.chosen.passed and not p.rejected.passed and p.mode == "pass_fail" for p in pairs)
    assert {p.task_id for p in pairs} == {"add", "neg"} and len(pairs) == 4  # 2 passing samples each, used once
    assert (out / "review.html").read_text().count("section") >= 1


def test_sampling_with_a_real_generator_resumes(tmp_path, tiny_lm):
    problems = [BenchProblem(f"t{i}", "p", [{"role": "user", "content": f"Write f{i}."}], None, None,
                             lambda c, j: None) for i in range(2)]
    cfg = BuildConfig(generator=tiny_lm, n_samples=2, max_new_tokens=8, batch_size=2, device="cpu")
    path = tmp_path / "samples.jsonl"
    first = sample_problems(problems, cfg, path)
    assert [(r["task_id"], r["sample"]) for r in first] == [("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)]
    mtime = path.stat().st_mtime_ns
    assert sample_problems(problems, cfg, path) == first and path.stat().st_mtime_ns == mtime  # nothing regenerated
