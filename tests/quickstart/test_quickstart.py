import json
from pathlib import Path

import pytest
from rich.console import Console

from recode.config import ConfigError
from recode.quickstart.config import QuickstartConfig
from recode.quickstart.report import write_report
from recode.quickstart.runner import Stage, run_stages


def _stages(calls: list[str], fail_at: str | None = None) -> list[Stage]:
    def make(name):
        def run(cfg, run_dir, console):
            calls.append(name)
            if name == fail_at:
                raise RuntimeError("killed")
            (run_dir / name / "out.txt").write_text(name)
            return {"made": name}
        return Stage(name, f"stage {name}", run, lambda s: s["made"])
    return [make("a"), make("b"), make("c")]


def test_finished_stages_are_skipped_and_redo_reruns(tmp_path):
    cfg = QuickstartConfig(run_dir=str(tmp_path / "run"))
    calls: list[str] = []
    console = Console(file=open("/dev/null", "w"))
    with pytest.raises(RuntimeError):
        run_stages(cfg, _stages(calls, fail_at="b"), console)
    assert calls == ["a", "b"] and not (tmp_path / "run" / "b" / "manifest.json").exists()
    manifests = run_stages(cfg, _stages(calls), console)
    assert calls == ["a", "b", "b", "c"]  # a finished before; b was cut short and runs again
    assert manifests["c"]["summary"] == {"made": "c"}
    run_stages(cfg, _stages(calls), console, redo=("c",))
    assert calls[-1] == "c" and calls.count("a") == 1
    with pytest.raises(ValueError, match="unknown stage"):
        run_stages(cfg, _stages(calls), console, redo=("nope",))


def test_config_checks():
    with pytest.raises(ConfigError, match="train_group_size"):
        QuickstartConfig(train_group_size=1)
    with pytest.raises(ConfigError, match="unknown key"):
        QuickstartConfig.from_dict({"steps": 3})


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_report_reads_every_number_from_the_stage_files(tmp_path):
    bench = {"humaneval+": {"pass@1": 0.25, "base": {"pass@1": 0.5}, "plus": {"pass@1": 0.25}},
             "mbpp+": {"pass@1": 0.125, "base": {"pass@1": 0.375}, "plus": {"pass@1": 0.125}}}
    _write(tmp_path / "eval_base" / "summary.json", {"model": "m0", "benchmarks": bench})
    trained = {k: {**v, "plus": {"pass@1": 0.625}} for k, v in bench.items()}
    _write(tmp_path / "eval_trained" / "summary.json", {"model": "m1", "benchmarks": trained})
    _write(tmp_path / "rm" / "rm_card.json", {"val": {"all": {"n": 8, "accuracy": 0.875, "longer_is_better": 0.5}},
                                               "val_untrained": {"all": {"n": 8, "accuracy": 0.375}}})
    result = {"scorer": "crpl-rm", "summary": {"n": 8, "accuracy": 0.75, "ci": [0.5, 1.0], "ties": 0},
              "baselines": {"longer_wins": 0.4375}}
    _write(tmp_path / "rmbench" / "heldout" / "crpl-rm.json", result)
    out = write_report(tmp_path)
    md = Path(out["markdown"]).read_text()
    assert "| base | m0 | 50.0% | 25.0% | 37.5% | 12.5% |" in md
    assert "| trained | m1 | 50.0% | 62.5% | 37.5% | 62.5% |" in md
    assert "| all | 8 | 87.5% | 37.5% | 50.0% |" in md
    assert "| crpl-rm | 8 | 75.0% | 50.0% - 100.0% | 0 |" in md and "43.8%" in md
    assert "no data" in md  # LCB-RB-style pairs: not built in this folder
    page = Path(out["html"]).read_text()
    assert "<td>87.5%</td>" in page and out["curves"] is None


@pytest.mark.slow
def test_whole_pipeline_on_a_tiny_model(tiny_lm, tmp_path):
    """Every stage for real (tiny random model, a few items): the report is written and names each stage."""
    from recode.quickstart.stages import STAGES

    cfg = QuickstartConfig.load("configs/quickstart/ci.yaml", [f"model={tiny_lm}", f"run_dir={tmp_path}"])
    manifests = run_stages(cfg, STAGES, Console(file=open("/dev/null", "w")))
    assert [m["stage"] for m in manifests.values()] == [s.name for s in STAGES]
    md = (tmp_path / "report.md").read_text()
    assert "| base |" in md and "| trained |" in md and (tmp_path / "report_curves.png").exists()
