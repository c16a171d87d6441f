"""Math task sources: the local sets (GSM8K, MATH-500) and the Hub sets read from local copies in their Hub
schemas (tests/fixtures/math), plus the error when neither a local copy nor the Hub is reachable."""

import json
import shutil
from pathlib import Path

import pytest

from recode.io import DataError
from recode.task_sources import HUB_MATH, SOURCES, hub_math_tasks
from recode.tasks import load_tasks, read_tasks, write_tasks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "math"
# source name -> fixture file in that set's Hub schema
FIXTURE_OF = {"math-train": "math_lighteval_train.jsonl", "aime24": "aime_2024_train.jsonl",
              "aime25": "aime25_test.jsonl", "minerva": "minervamath_test.jsonl"}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A data dir holding a local copy of every Hub set (as `<name>/<fixture>`)."""
    for name, file in FIXTURE_OF.items():
        (tmp_path / name).mkdir()
        shutil.copy(FIXTURES / file, tmp_path / name / file)
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_local_math_sources_load_with_answers():
    gsm = load_tasks("gsm8k-test")
    assert len(gsm) == 1319 and gsm[0].domain == "math" and gsm[0].split == "test"
    assert gsm[0].tests.answer == "18" and "<<" not in gsm[0].meta["reference_reasoning"]
    math500 = load_tasks("math500")
    assert len(math500) == 500 and len({t.task_id for t in math500}) == 500
    first = math500[0]
    assert first.task_id == "math500/test/precalculus/807.json"
    assert first.tests.answer == r"\left( 3, \frac{\pi}{2} \right)" and first.meta["level"] == 2
    assert first.meta["subject"] == "Precalculus" and r"\boxed" in first.meta["reference_reasoning"]


@pytest.mark.parametrize("name, answers", [
    ("math-train", [r"\frac{5}{6}", "4", "(-2, 2)"]),  # no answer field: the last \boxed/\fbox of the solution
    ("aime24", ["204", "25"]),
    ("aime25", ["70", "16"]),
    ("minerva", ["1.6", "100"]),
])
def test_hub_sets_from_a_local_copy(data_copy, tmp_path, name, answers):
    tasks = load_tasks(name)
    assert [t.tests.answer for t in tasks] == answers
    assert all(t.domain == "math" and t.data_source == name and t.problem for t in tasks)
    # a task file round-trips through the shared schema
    write_tasks(tmp_path / "t.jsonl", tasks)
    assert [t.to_dict() for t in read_tasks(tmp_path / "t.jsonl")] == [t.to_dict() for t in tasks]


def test_hub_schema_fields_are_kept(data_copy):
    aime = hub_math_tasks("aime24")
    assert aime[0].task_id == "aime24/60" and aime[0].meta["year"] == "2024" and "url" in aime[0].meta
    assert r"\boxed{204}" in aime[0].meta["reference_reasoning"]
    math_train = hub_math_tasks("math-train")
    assert math_train[1].meta == {"level": "Level 2", "type": "Algebra",
                                  "reference_reasoning": math_train[1].meta["reference_reasoning"]}
    assert hub_math_tasks("aime25")[1].task_id == "aime25/2" and hub_math_tasks("minerva")[0].task_id == "minerva/0"


def test_explicit_path_and_parquet(tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path / "empty"))
    records = [json.loads(line) for line in (FIXTURES / "aime_2024_train.jsonl").read_text().splitlines()]
    folder = tmp_path / "snapshot" / "data"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(records), folder / "train-00000-of-00001.parquet")
    (folder / "test-00000-of-00001.jsonl").write_text("not json\n")  # another split: must not be read
    tasks = hub_math_tasks("aime24", str(tmp_path / "snapshot"))
    assert [t.tests.answer for t in tasks] == ["204", "25"]
    assert [t.tests.answer for t in hub_math_tasks("minerva", str(FIXTURES / "minervamath_test.jsonl"))] == \
        ["1.6", "100"]


def test_a_record_without_an_answer_names_the_record(tmp_path, monkeypatch):
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path))
    (tmp_path / "minerva").mkdir()
    (tmp_path / "minerva" / "test.jsonl").write_text('{"question": "q1", "answer": "1"}\n{"question": "q2"}\n')
    with pytest.raises(DataError, match=r"minerva record 1: needs a problem .* and an answer"):
        hub_math_tasks("minerva")


def test_offline_hub_load_is_a_clear_error(tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path))

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'HuggingFaceH4/aime_2024' on the Hub (OfflineModeIsEnabled)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match=r"aime24: cannot load HuggingFaceH4/aime_2024 .*Offline\? Copy its data "
                                        rf"files .* into {tmp_path}/aime24/"):
        load_tasks("aime24")


def test_every_hub_set_is_a_source():
    assert set(HUB_MATH) <= set(SOURCES) and {"gsm8k-test", "math500"} <= set(SOURCES)
