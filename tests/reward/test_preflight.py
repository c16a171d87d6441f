"""Preflight: reference solutions through the whole reward path; broken tasks are caught and named."""

import json

from typer.testing import CliRunner

from recode.cli import app
from recode.reward import RewardConfig, RewardPipeline
from recode.reward.preflight import preflight
from recode.tasks import Task, read_tasks, write_tasks


def _broken(tasks):
    """Three ways a task set goes wrong before training: a wrong test, a fence in the reference, no solution."""
    wrong_test = Task.from_dict(dict(tasks[0].to_dict(), task_id="broken/test",
                                     tests=dict(tasks[0].tests.to_dict(), test_code="assert 1 == 2")))
    fenced = Task.from_dict(dict(tasks[1].to_dict(), task_id="broken/extraction",
                                 solution=tasks[1].solution + '\nDOC = """\n```\nnot code\n```\n"""\n'))
    unsolved = Task.from_dict(dict(tasks[2].to_dict(), task_id="no/solution", solution=None))
    return [wrong_test, fenced, unsolved]


def test_references_pass_and_broken_tasks_are_listed(pool, mbpp_tasks, gsm8k_tasks):
    with RewardPipeline(RewardConfig(gate="hard", scorer="constant"), pool=pool) as pipeline:
        good = preflight(mbpp_tasks + gsm8k_tasks, pipeline)
        bad = preflight(mbpp_tasks[:2] + _broken(mbpp_tasks), pipeline)
    assert good.ok and good.n_checked == 9 and good.metrics["reward/pass_rate"] == 1.0
    assert good.metrics["reward/gate_open_rate"] == 1.0  # the RM path ran too
    assert not bad.ok and bad.no_reference == ["no/solution"]
    why = {f["task_id"]: f["why"] for f in bad.failures}
    assert why["broken/test"] == "outcome: fail"
    assert why["broken/extraction"].startswith(("extraction", "format"))


def test_cli_exit_codes_and_report(tmp_path, mbpp_tasks):
    runner = CliRunner()
    good = tmp_path / "good.jsonl"
    write_tasks(good, mbpp_tasks[:3])
    result = runner.invoke(app, ["reward", "preflight", "--data", str(good), "--set", "sandbox_workers=1"])
    assert result.exit_code == 0, result.output
    assert "3/3 reference solutions get full outcome reward" in result.output

    bad = tmp_path / "bad.jsonl"
    write_tasks(bad, mbpp_tasks[:1] + _broken(mbpp_tasks))
    report, clean = tmp_path / "report.json", tmp_path / "clean.jsonl"
    result = runner.invoke(app, ["reward", "preflight", "--data", str(bad), "--out", str(report),
                                 "--passing-out", str(clean), "--set", "sandbox_workers=1"])
    assert result.exit_code == 1
    assert "FAIL broken/test: outcome: fail" in result.output and "PREFLIGHT FAILED" in result.output
    assert json.loads(report.read_text())["n_failed"] == 2
    assert [t.task_id for t in read_tasks(clean)] == [mbpp_tasks[0].task_id]

    result = runner.invoke(app, ["reward", "preflight", "--data", str(good), "--set", "gate=sideways"])
    assert result.exit_code == 2 and "gate: 'sideways'" in result.output


def test_cli_writes_task_and_verl_files(tmp_path):
    runner = CliRunner()
    out = tmp_path / "tasks.jsonl"
    result = runner.invoke(app, ["reward", "tasks", "--data", "gsm8k-train", "--limit", "4", "--out", str(out)])
    assert result.exit_code == 0 and len(out.read_text().splitlines()) == 4
    parquet = tmp_path / "train.parquet"
    result = runner.invoke(app, ["reward", "to-verl", "--data", str(out), "--out", str(parquet)])
    assert result.exit_code == 0, result.output
    assert parquet.stat().st_size > 0
