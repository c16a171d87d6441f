"""The reward pipeline end to end: who the RM is called on, overlap, math, failures, metrics."""

import threading

import pytest

from recode.reward import RewardConfig, RewardPipeline, Rollout, ScorerError
from recode.text import format_completion

WRONG = "def nothing():\n    return None"


class SpyScorer:
    """Records every reasoning it is asked to score; scores by length (a logit)."""

    outputs = "logit"

    def __init__(self, fail: bool = False):
        self.seen: list[str] = []
        self.calls = 0
        self.fail = fail
        self.lock = threading.Lock()

    def score(self, problems, reasonings):
        with self.lock:
            self.calls += 1
            self.seen += reasonings
        if self.fail:
            raise RuntimeError("GPU fell off the bus")
        return [len(r) / 10 for r in reasonings]

    def close(self):
        pass


def _rollouts(tasks):
    """For each task: a correct rollout and a wrong one, with reasonings that say which."""
    out = []
    for t in tasks:
        out.append(Rollout(t, format_completion(f"correct {t.task_id}", t.solution)))
        out.append(Rollout(t, format_completion(f"wrong {t.task_id}", WRONG)))
    return out


@pytest.mark.parametrize("overlap", ["always", "never", "auto"])
def test_rm_is_not_invoked_for_gate_closed_rollouts(pool, mbpp_tasks, overlap):
    spy = SpyScorer()
    cfg = RewardConfig(gate="hard", scorer="constant", overlap=overlap, overlap_chunks=3)
    with RewardPipeline(cfg, pool=pool, scorer=spy) as pipeline:
        batch = pipeline.score(_rollouts(mbpp_tasks))
    assert sorted(spy.seen) == sorted(f"correct {t.task_id}" for t in mbpp_tasks)
    assert not any(s.startswith("wrong") for s in spy.seen)
    closed = [p for p in batch.parts if not p.gate_open]
    assert len(closed) == len(mbpp_tasks) and all(p.proc is None and p.proc_raw is None for p in closed)
    assert batch.timings["rm_scored"] == len(mbpp_tasks)


def test_outcome_only_never_calls_the_rm_and_none_calls_it_on_everything(pool, mbpp_tasks):
    spy = SpyScorer()
    with RewardPipeline(RewardConfig(gate="outcome_only"), pool=pool, scorer=spy) as pipeline:
        pipeline.score(_rollouts(mbpp_tasks))
    assert spy.calls == 0
    with RewardPipeline(RewardConfig(gate="none", scorer="constant"), pool=pool, scorer=spy) as pipeline:
        batch = pipeline.score(_rollouts(mbpp_tasks))
    assert len(spy.seen) == 2 * len(mbpp_tasks) and all(p.gate_open for p in batch.parts)


def test_overlap_gives_the_same_rewards_as_running_in_sequence(pool, mbpp_tasks):
    results = []
    for overlap in ("always", "never"):
        cfg = RewardConfig(gate="hard", scorer="constant", overlap=overlap, overlap_chunks=4)
        with RewardPipeline(cfg, pool=pool, scorer=SpyScorer()) as pipeline:
            results.append(pipeline.score(_rollouts(mbpp_tasks)).totals)
    assert results[0] == results[1]


def test_monitoring_scores_closed_rollouts_without_rewarding_them(pool, mbpp_tasks):
    spy = SpyScorer()
    cfg = RewardConfig(gate="hard", scorer="constant", monitor_closed=1.0)
    with RewardPipeline(cfg, pool=pool, scorer=spy) as pipeline:
        batch = pipeline.score(_rollouts(mbpp_tasks))
    wrong = [p for p in batch.parts if p.out == 0]
    assert all(p.proc is not None and not p.gate_open and p.total == 1.0 for p in wrong)
    metrics = batch.metrics()
    assert {"reward/proc_mean_open", "reward/proc_mean_closed", "reward/gate_open_rate"} <= set(metrics)
    assert metrics["reward/gate_open_rate"] == 0.5


def test_scorer_failure_raises_instead_of_scoring(pool, mbpp_tasks):
    cfg = RewardConfig(gate="hard", scorer="constant")
    with RewardPipeline(cfg, pool=pool, scorer=SpyScorer(fail=True)) as pipeline, \
            pytest.raises(ScorerError, match="GPU fell off the bus"):
        pipeline.score(_rollouts(mbpp_tasks[:2]))


def test_external_scores_come_with_the_rollouts(pool, mbpp_tasks):
    task = mbpp_tasks[0]
    rollouts = [Rollout(task, format_completion("r", task.solution), proc_raw=0.0),
                Rollout(task, format_completion("r", WRONG), proc_raw=5.0)]
    with RewardPipeline(RewardConfig(gate="hard", scorer="external"), pool=pool) as pipeline:
        batch = pipeline.score(rollouts)
        assert [p.proc for p in batch.parts] == [0.5, None] and batch.timings["rm_given"] == 1
        with pytest.raises(ScorerError, match="came without its RM score"):
            pipeline.score([Rollout(task, format_completion("r", task.solution))])


def test_rank_mapping_within_prompt_groups(pool, mbpp_tasks):
    task = mbpp_tasks[0]
    reasonings = ["short", "a longer reasoning", "the longest reasoning of all"]
    rollouts = [Rollout(task, format_completion(r, task.solution), group="g") for r in reasonings]
    cfg = RewardConfig(gate="hard", scorer="constant", proc_mapping="rank")
    with RewardPipeline(cfg, pool=pool, scorer=SpyScorer()) as pipeline:
        assert [p.proc for p in pipeline.score(rollouts).parts] == [0.0, 0.5, 1.0]


def test_math_rollouts_use_math_verify(pool, gsm8k_tasks, mbpp_tasks):
    task = gsm8k_tasks[0]  # answer 72
    rollouts = [Rollout(task, format_completion("48 + 24", "72", "math")),
                Rollout(task, "<think>48+24</think><answer>The total is \\boxed{72.0} clips.</answer>"),
                Rollout(task, format_completion("oops", "71", "math")),
                Rollout(task, "<think>hmm</think><answer></answer>"),
                Rollout(mbpp_tasks[0], format_completion("mixed batch", mbpp_tasks[0].solution))]
    with RewardPipeline(RewardConfig(gate="hard", scorer="constant"), pool=pool) as pipeline:
        parts = pipeline.score(rollouts).parts
    assert [p.out for p in parts] == [1.0, 1.0, 0.0, 0.0, 1.0]
    assert [p.status for p in parts[:4]] == ["pass", "pass", "wrong", "no_answer"]
    assert parts[0].total == 2.5 and parts[3].fmt == 0.0


def test_a_stuck_math_check_is_killed_and_scores_zero():
    from recode.reward.mathcheck import MathChecker

    checker = MathChecker(workers=1, timeout_s=1.0)
    try:
        [stuck] = checker.check([("9^{9^{9^{9^{9}}}}", "1")])
        assert stuck.status == "timeout" and not stuck.equal
        [fine] = checker.check([("2", "2")])  # a fresh worker took over
        assert fine.equal
    finally:
        checker.close()


def test_hf_reward_model_in_the_pipeline(pool, mbpp_tasks, tiny_rm_dir):
    cfg = RewardConfig(gate="hard", scorer="hf", rm_model=str(tiny_rm_dir), rm_device="cpu", rm_batch_size=4)
    with RewardPipeline(cfg, pool=pool) as pipeline:
        batch = pipeline.score(_rollouts(mbpp_tasks))
    passed = [p for p in batch.parts if p.out == 1]
    assert len(passed) == len(mbpp_tasks)
    assert all(0 < p.proc < 1 and p.total == pytest.approx(2 + p.proc) for p in passed)
    assert batch.timings["rm_s"] > 0 and batch.timings["sandbox_s"] > 0
