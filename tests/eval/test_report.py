"""`recode eval report`: the paper-style table (models x benchmarks, Avg) and the bar chart."""

import json

import pytest

from recode.eval.report import render_markdown, table, write_report
from recode.io import DataError


def summary(name, he=(0.5, 0.4), lcb=None, math500=None):
    benchmarks = {"humaneval+": {"benchmark": "humaneval+", "pass@1": he[1], "base": {"pass@1": he[0]},
                                 "plus": {"pass@1": he[1]}, "no_code": 2}}
    if lcb:
        benchmarks["livecodebench"] = {"benchmark": "livecodebench", "pass@1": sum(lcb) / 3, "no_code": 0,
                                       "buckets": {"difficulty": {d: {"n_tasks": 5, "pass@1": v} for d, v in
                                                                  zip(["hard", "easy", "medium"], lcb)}}}
    if math500 is not None:
        benchmarks["math500"] = {"benchmark": "math500", "pass@1": math500, "no_answer": 1}
    return {"name": name, "model": name, "benchmarks": benchmarks, "device": "cpu",
            "config": {"mode": "plain", "n": 1, "temperature": 0.0, "max_new_tokens": 512, "backend": "hf"},
            "generation": {"tokens_per_s": 12.5}}


def test_columns_follow_the_paper():
    cols, rows = table([summary("a", lcb=(0.1, 0.9, 0.5)), summary("b", math500=0.25)])
    assert cols == ["HE", "HE+", "LCB Easy", "LCB Medium", "LCB Hard", "MATH500"]
    assert rows[0][1]["LCB Easy"] == 0.9 and rows[0][1]["LCB Hard"] == 0.1 and rows[1][1]["MATH500"] == 0.25


def test_markdown_avg_only_for_complete_rows():
    md = render_markdown([summary("a", math500=0.3), summary("b", he=(1.0, 0.5))], chart="r.png")
    assert "| Model | HE | HE+ | MATH500 | Avg |" in md
    assert "| a | 50.0 | 40.0 | 30.0 | 40.0 |" in md
    assert "| b | 100.0 | 50.0 | — | — |" in md  # b was not run on MATH500
    assert "| a | plain | 1 | 0.0 | 512 | hf | 12.5 | 3 | cpu |" in md and "![pass@1 per benchmark](r.png)" in md


def test_write_report_files(tmp_path):
    runs = []
    for name in ("m1", "m2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(summary(name, lcb=(0.2, 0.6, 0.4))))
        runs.append(tmp_path / name)
    md, png = write_report(runs, tmp_path / "out" / "report.md")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.name == "report.png"
    assert md.read_text().count("| m") >= 4


def test_bad_run_folders(tmp_path):
    with pytest.raises(DataError, match="no summary.json"):
        write_report([tmp_path], tmp_path / "r.md")
    (tmp_path / "summary.json").write_text('{"name": "x"}')
    with pytest.raises(DataError, match="benchmarks"):
        write_report([tmp_path], tmp_path / "r.md")
