"""Pair files: validation with errors that name the line, headers, RewardBench records, subsets."""

import json

import pytest

from recode.io import DataError
from recode.rmbench.pairs import Pair, Side, load_pairs, make_header, read_pairs, write_pairs


def _pair(pair_id="p1", **extra):
    rec = {"pair_id": pair_id, "task_id": "t1", "problem": "Add a and b.",
           "chosen": {"reasoning": "Return a + b.", "passed": True, "pass_rate": 1.0},
           "rejected": {"reasoning": "Return a - b.", "passed": False, "pass_rate": 0.0}}
    rec.update(extra)
    return rec


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_round_trip_with_header(tmp_path):
    pairs = [Pair("x", "Problem?", Side("good reasoning", passed=True), Side("bad reasoning", passed=False),
                  task_id="t", difficulty="Easy", date="2024-08-04")]
    header = make_header("lcb-rb", "v1", {"generator": {"model": "m"}}, {"pairs": 1})
    write_pairs(tmp_path / "b.jsonl", pairs, header)
    got_header, got = read_pairs(tmp_path / "b.jsonl")
    assert got_header["version"] == "v1" and got_header["provenance"]["generator"]["model"] == "m"
    assert got[0] == pairs[0] and got[0].chosen.words == 2


@pytest.mark.parametrize("field", ["pair_id", "problem", "chosen", "rejected"])
def test_missing_field_names_the_line(tmp_path, field):
    bad = _pair("p2")
    del bad[field]
    path = _write(tmp_path / "p.jsonl", [_pair("p1"), bad])
    with pytest.raises(DataError, match=rf"p\.jsonl:2: missing field\(s\) {field}"):
        read_pairs(path)


def test_duplicate_id_names_both_lines(tmp_path):
    path = _write(tmp_path / "p.jsonl", [_pair("same"), _pair("other"), _pair("same")])
    with pytest.raises(DataError, match=r"p\.jsonl:3: duplicate pair_id 'same' \(first at .*p\.jsonl:1\)"):
        read_pairs(path)


@pytest.mark.parametrize("patch, message", [
    ({"chosen": {"reasoning": "  "}}, r":1: `chosen\.reasoning` must be a non-empty string"),
    ({"rejected": {"reasoning": "x", "passed": "yes"}}, r":1: `rejected\.passed` has the wrong type"),
    ({"rejected": {"reasoning": "x", "colour": 1}}, r":1: `rejected` has unknown field\(s\) colour"),
    ({"difficulty": 3}, r":1: `difficulty` must be a string"),
    ({"review": {"decision": "maybe"}}, r":1: `review\.decision` must be one of keep, drop"),
    ({"extra": 1}, r":1: unknown field\(s\) extra"),
])
def test_bad_values_name_the_line_and_field(tmp_path, patch, message):
    path = _write(tmp_path / "p.jsonl", [_pair(**patch)])
    with pytest.raises(DataError, match=message):
        read_pairs(path)


def test_header_must_come_first_and_match_the_format(tmp_path):
    header = make_header("b", "v1", {}, {})
    with pytest.raises(DataError, match=r":2: a header may only be the first line"):
        read_pairs(_write(tmp_path / "a.jsonl", [_pair(), header]))
    with pytest.raises(DataError, match=r":1: format_version 99 is not supported"):
        read_pairs(_write(tmp_path / "b.jsonl", [dict(header, format_version=99), _pair()]))
    with pytest.raises(DataError, match="no pairs"):
        read_pairs(_write(tmp_path / "c.jsonl", [header]))


def test_bad_json_names_the_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(_pair()) + "\n{not json\n")
    with pytest.raises(DataError, match=r"p\.jsonl:2: not valid JSON"):
        read_pairs(path)


def test_rewardbench_records_and_sections(tmp_path):
    records = [{"id": i, "prompt": f"q{i}", "chosen": "good", "rejected": "bad", "subset": s}
               for i, s in enumerate(["hep-python", "hep-go", "math-prm", "chat-easy"])]
    path = _write(tmp_path / "rb.jsonl", records)
    _, pairs = load_pairs(str(path))
    assert [p.subset for p in pairs] == ["hep-python", "hep-go", "math-prm", "chat-easy"]
    assert pairs[0].chosen.reasoning == "good" and pairs[0].mode == "rewardbench" and pairs[0].pair_id == "0"
    _, code = load_pairs(str(path), subsets=["Code"])
    assert {p.subset for p in code} == {"hep-python", "hep-go"}
    _, both = load_pairs(str(path), subsets=["Code", "Math"])
    assert len(both) == 3
    with pytest.raises(DataError, match="no pairs in subset"):
        load_pairs(str(path), subsets=["nothing"])


def test_rewardbench_parquet_and_missing_fields(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([{"id": 7, "prompt": "q", "chosen": "a", "rejected": "b", "subset": "hep-js"}])
    pq.write_table(table, tmp_path / "rb.parquet")
    _, pairs = load_pairs(str(tmp_path / "rb.parquet"))
    assert pairs[0].pair_id == "7" and pairs[0].subset == "hep-js"
    path = _write(tmp_path / "rb.jsonl", [{"prompt": "q", "chosen": "a", "subset": "x"}])
    with pytest.raises(DataError, match=r"rb\.jsonl:1: RewardBench record needs string field\(s\) rejected"):
        load_pairs(str(path))


def test_unknown_source_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="is not a pair file and could not be loaded as a Hub dataset"):
        load_pairs(str(tmp_path / "nope" / "missing"))
