"""The TRL adapter: TRL's reward-function contract, its logging callbacks, and one real GRPOTrainer step."""

import json

import pytest

from recode.reward import RewardConfig, RewardPipeline
from recode.reward.trl_adapter import EXTRA_COLUMNS, TRLReward, trl_rows
from recode.text import format_completion


def _trl_call(reward, tasks, completions, drop_task_columns=False):
    """Call the reward exactly as GRPOTrainer._calculate_rewards does (TRL 1.16)."""
    rows = trl_rows(tasks)
    columns = {k: [r[k] for r in rows] for k in rows[0] if k != "prompt"}
    if drop_task_columns:
        columns = {"task_id": columns["task_id"]}
    metrics, extra = {}, {}
    rewards = reward(prompts=[r["prompt"] for r in rows], completions=completions,
                     completion_ids=[[1, 2]] * len(rows), trainer_state=None,
                     log_metric=lambda name, value: metrics.setdefault(name, value),
                     log_extra=lambda column, values: extra.setdefault(column, values), **columns)
    return rewards, metrics, extra


def test_reward_function_contract_and_logged_parts(pool, mbpp_tasks):
    tasks = [mbpp_tasks[0], mbpp_tasks[0], mbpp_tasks[1]]
    completions = [[{"role": "assistant", "content": format_completion("right", tasks[0].solution)}],
                   [{"role": "assistant", "content": format_completion("wrong", "x = 1")}],
                   [{"role": "assistant", "content": "no format at all"}]]
    with RewardPipeline(RewardConfig(gate="hard", scorer="constant", constant_value=0.5), pool=pool) as pipeline:
        reward = TRLReward(pipeline, {t.task_id: t for t in mbpp_tasks})
        rewards, metrics, extra = _trl_call(reward, tasks, completions)
    assert rewards == [2.5, 1.0, 0.0]
    assert metrics["reward/pass_rate"] == pytest.approx(1 / 3) and metrics["reward/gate_open_rate"] == pytest.approx(1 / 3)
    assert metrics["reward/proc_mean_open"] == 0.5 and "reward_time/sandbox_s" in metrics
    assert set(extra) == set(EXTRA_COLUMNS) and extra["proc"] == [0.5, None, None]
    assert extra["status"] == ["pass", "runtime_error", "no_code"]
    assert reward.__name__ == "recode_reward"


def test_tasks_are_rebuilt_from_dataset_columns(pool, mbpp_tasks):
    task = mbpp_tasks[2]
    with RewardPipeline(RewardConfig(gate="outcome_only"), pool=pool) as pipeline:
        reward = TRLReward(pipeline)  # no task file: the rows carry the tests
        rewards, _, _ = _trl_call(reward, [task], [format_completion("r", task.solution)])
        assert rewards == [2.0]
        assert json.loads(trl_rows([task])[0]["tests"])["kind"] == "assert"
        with pytest.raises(Exception, match="not among the reward's tasks"):
            _trl_call(TRLReward(pipeline), [task], ["x"], drop_task_columns=True)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # transformers 5 renames, raised inside TRL
def test_one_grpo_step_logs_the_parts(tmp_path, pool, mbpp_tasks):
    pytest.importorskip("trl")
    from datasets import Dataset
    from tests.tiny_models import build_model, build_tokenizer
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = build_tokenizer()
    tokenizer.padding_side = "left"
    dataset = Dataset.from_list(trl_rows(mbpp_tasks[:2]))
    with RewardPipeline(RewardConfig(gate="hard", scorer="constant"), pool=pool) as pipeline:
        args = GRPOConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, num_generations=2,
                          max_completion_length=8, report_to=[], use_cpu=True, logging_steps=1,
                          save_strategy="no", bf16=False)
        trainer = GRPOTrainer(model=build_model(tokenizer, "lm"), reward_funcs=[TRLReward(pipeline)], args=args,
                              train_dataset=dataset, processing_class=tokenizer)
        trainer.train()
    logged = trainer.state.log_history[0]
    assert "rewards/recode_reward/mean" in logged
    assert {"reward/pass_rate", "reward/gate_open_rate", "reward/fmt_mean", "reward/reasoning_words_mean",
            "reward_time/total_s"} <= set(logged)
    assert logged["reward_time/rollouts"] == 4
