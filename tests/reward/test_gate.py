"""The gate arithmetic as a truth table, and a defined reward for every malformed output."""

import itertools

import pytest

from recode.reward import GATE_MODES, RewardConfig, RewardPipeline, Rollout, gate_value, total_reward
from recode.tasks import Task
from recode.text import format_completion

# (mode, out, pass_rate, fmt, requires_format) -> gate
TRUTH_TABLE = {
    ("hard", 1.0, 1.0, 1.0, False): 1.0, ("hard", 1.0, 1.0, 0.0, False): 1.0, ("hard", 1.0, 1.0, 0.0, True): 0.0,
    ("hard", 0.0, 0.5, 1.0, False): 0.0, ("hard", 0.0, 0.0, 1.0, True): 0.0,
    ("none", 0.0, 0.0, 0.0, False): 1.0, ("none", 1.0, 1.0, 1.0, False): 1.0, ("none", 0.0, 0.0, 0.0, True): 0.0,
    ("pass_rate", 0.0, 0.5, 1.0, False): 0.5, ("pass_rate", 1.0, 1.0, 1.0, False): 1.0,
    ("pass_rate", 0.0, 0.0, 1.0, False): 0.0, ("pass_rate", 0.0, 0.5, 0.0, True): 0.0,
    ("outcome_only", 1.0, 1.0, 1.0, False): 0.0, ("outcome_only", 1.0, 1.0, 1.0, True): 0.0,
}


@pytest.mark.parametrize("key, gate", TRUTH_TABLE.items())
def test_gate_truth_table(key, gate):
    mode, out, pass_rate, fmt, requires = key
    assert gate_value(mode, out, pass_rate, fmt, requires) == gate


@pytest.mark.parametrize("fmt, out, proc, weight", list(itertools.product([0.0, 1.0], [0.0, 1.0], [0.0, 0.3, 1.0],
                                                                           [1.0, 0.5])))
def test_hard_gate_total_is_eq_1_of_the_paper(fmt, out, proc, weight):
    gate = gate_value("hard", out, out, fmt, False)
    assert total_reward(fmt, out, gate, proc, weight) == pytest.approx(fmt + out + (out == 1.0) * weight * proc)


def test_a_correct_rollout_always_outranks_a_wrong_one_with_the_same_format():
    for fmt in (0.0, 1.0):
        worst_correct = total_reward(fmt, 1.0, gate_value("hard", 1.0, 1.0, fmt, False), 0.0, 1.0)
        best_wrong = total_reward(fmt, 0.0, gate_value("hard", 0.0, 0.9, fmt, False), None, 1.0)
        assert worst_correct > best_wrong


def test_closed_gate_never_reads_proc_and_unknown_modes_raise():
    assert total_reward(1.0, 0.0, 0.0, None, 1.0) == 1.0
    with pytest.raises(ValueError, match="unknown gate mode"):
        gate_value("soft", 1.0, 1.0, 1.0, False)
    assert set(GATE_MODES) == {"hard", "none", "pass_rate", "outcome_only"}


def _cases(task):
    """(name, completion, expected fmt, out, proc) for the hard gate with a constant R_proc of 0.5."""
    code = task.solution.strip()
    wrong = "def nothing():\n    return None"
    fence = f"```python\n{code}\n```"
    return [
        ("well formed, correct", format_completion("Plan the loop.", code), 1, 1, 0.5),
        ("well formed, wrong", format_completion("Plan the loop.", wrong), 1, 0, None),
        ("no tags, correct code", f"Here you go:\n{fence}\n", 0, 1, 0.0),  # open gate, no reasoning to score
        ("no tags, no code", "I cannot solve this.", 0, 0, None),
        ("two answer blocks, last correct",
         f"<think>t</think><answer>```python\n{wrong}\n```</answer><answer>{fence}</answer>", 0, 1, 0.5),
        ("two answer blocks, last wrong",
         f"<think>t</think><answer>{fence}</answer><answer>```python\n{wrong}\n```</answer>", 0, 0, None),
        ("unclosed code fence", f"<think>t</think><answer>```python\n{code}\n</answer>", 0, 1, 0.5),
        ("empty reasoning", f"<think>\n</think><answer>{fence}</answer>", 0, 1, 0.0),
        ("reasoning contains the code, answer wrong",
         f"<think>Draft:\n{fence}\n</think><answer>```python\n{wrong}\n```</answer>", 1, 0, None),
        ("reasoning contains the code, no answer", f"<think>Draft:\n{fence}\n</think>", 0, 0, None),
    ]


def test_every_malformed_output_has_a_defined_reward(pool, mbpp_tasks):
    task = mbpp_tasks[0]
    cases = _cases(task)
    cfg = RewardConfig(gate="hard", scorer="constant", constant_value=0.5)
    with RewardPipeline(cfg, pool=pool) as pipeline:
        parts = pipeline.score([Rollout(task, c[1]) for c in cases]).parts
    for (name, _, fmt, out, proc), p in zip(cases, parts):
        assert (p.fmt, p.out, p.proc) == (fmt, out, proc), name
        assert p.total == pytest.approx(fmt + out + (proc or 0.0)), name


@pytest.mark.parametrize("mode, requires_format, expected", [
    # totals for: well formed correct, well formed wrong, no tags correct, unclosed fence correct
    ("hard", False, [2.5, 1.0, 1.0, 1.5]),
    ("hard", True, [2.5, 1.0, 1.0, 1.0]),
    ("none", False, [2.5, 1.5, 1.0, 1.5]),  # the wrong rollout still collects R_proc: the hackable variant
    ("outcome_only", False, [2.0, 1.0, 1.0, 1.0]),
])
def test_gate_modes_on_real_rollouts(pool, mbpp_tasks, mode, requires_format, expected):
    task = mbpp_tasks[0]
    cases = [c for c in _cases(task) if c[0] in ("well formed, correct", "well formed, wrong",
                                                  "no tags, correct code", "unclosed code fence")]
    cfg = RewardConfig(gate=mode, scorer=None if mode == "outcome_only" else "constant", constant_value=0.5,
                       gate_requires_format=requires_format)
    with RewardPipeline(cfg, pool=pool) as pipeline:
        totals = pipeline.score([Rollout(task, c[1]) for c in cases]).totals
    assert totals == pytest.approx(expected)


def test_pass_rate_gate_scales_proc_by_the_fraction_of_tests_passed(pool):
    task = Task.from_dict({"task_id": "add", "data_source": "unit", "domain": "code", "problem": "Add a and b.",
                           "tests": {"kind": "assert", "entry_point": "add",
                                     "test_code": "assert add(1, 2) == 3\nassert add(2, 2) == 4\nassert add(0, 5) == 5"}})
    cfg = RewardConfig(gate="pass_rate", scorer="constant", constant_value=0.5, proc_weight=2.0)
    with RewardPipeline(cfg, pool=pool) as pipeline:
        [p, q] = pipeline.score([Rollout(task, format_completion("always 3", "def add(a, b):\n    return 3")),
                                 Rollout(task, format_completion("never", "def add(a, b):\n    return -1"))]).parts
    assert p.out == 0.0 and p.n_tests == 3 and p.n_passed == 1, (p.status, p.detail)
    assert p.gate == pytest.approx(1 / 3) and p.gate_open and p.proc == 0.5
    assert p.total == pytest.approx(1.0 + 0.0 + 2.0 * (1 / 3) * 0.5)
    assert not q.gate_open and q.proc is None and q.total == 1.0
