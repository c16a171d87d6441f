"""The parts of the verl adapter that need no verl: its data schema and the `compute_score` function."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from recode.io import DataError
from recode.reward import verl_adapter
from recode.text import format_completion


def test_rows_follow_verls_schema_and_carry_the_task(mbpp_tasks):
    rows = verl_adapter.to_verl_rows(mbpp_tasks[:2])
    row = rows[1]
    assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert row["reward_model"]["style"] == "rule" and row["extra_info"] == {
        "split": "train", "index": 1, "task_id": mbpp_tasks[1].task_id}
    task = verl_adapter.task_from_ground_truth(row["reward_model"]["ground_truth"])
    assert task.tests == mbpp_tasks[1].tests and task.solution is None  # no answer key in the training data
    with pytest.raises(DataError, match="convert data with `recode reward to-verl`"):
        verl_adapter.task_from_ground_truth("42 apples")


def test_compute_score_batches_concurrent_calls(tmp_path, mbpp_tasks, monkeypatch):
    config = tmp_path / "reward.yaml"
    config.write_text("gate: hard\nscorer: constant\nconstant_value: 0.5\nsandbox_workers: 1\n")
    monkeypatch.setenv(verl_adapter.ENV_CONFIG, str(config))
    verl_adapter._SERVICES.clear()
    rows = verl_adapter.to_verl_rows(mbpp_tasks)

    def call(k):
        task, row = mbpp_tasks[k % len(mbpp_tasks)], rows[k % len(rows)]
        text = format_completion("r", task.solution if k % 2 else "x = 1")
        return verl_adapter.compute_score(row["data_source"], text, row["reward_model"]["ground_truth"],
                                          row["extra_info"])

    try:
        with ThreadPoolExecutor(max_workers=8) as threads:
            results = list(threads.map(call, range(16)))
        service = next(iter(verl_adapter._SERVICES.values()))
        assert service.batches_run < 16
    finally:
        for s in verl_adapter._SERVICES.values():
            s.pipeline.close()
        verl_adapter._SERVICES.clear()
    assert [r["score"] for r in results] == [1.0, 2.5] * 8
    assert all(isinstance(v, float) for r in results for v in r.values())  # verl stacks these into arrays
    assert json.dumps(results)  # and they serialise
