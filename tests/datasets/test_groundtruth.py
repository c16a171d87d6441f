"""The ground-truth cache: records per task, large expected encodings kept on disk apart and read on demand."""

from __future__ import annotations

import pytest

from recode.datasets import groundtruth
from recode.datasets.base import Problem
from recode.datasets.evalplus import HumanEvalPlus


class _Tiny(HumanEvalPlus):
    """One task whose first expected output (range(30,000), ~150 KB encoded) is over the digest threshold."""

    name = "tiny+"

    def load(self) -> dict[str, Problem]:
        record = {"base_input": [[30_000]], "plus_input": [[3]]}
        return {"T/0": Problem("T/0", "", "f", "def f(n):\n    return list(range(n))\n", record)}

    def source_hash(self) -> str:
        return "0" * 64


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RECODE_CACHE_DIR", str(tmp_path))
    return tmp_path / "groundtruth"


def test_large_expected_encodings_are_kept_apart_and_read_on_a_mismatch(cache, pool):
    bench = _Tiny()
    assert bench.prepare(pool) == 1
    record = bench.truth["T/0"]
    assert record["expected_raw"][0] is None and record["expected_raw"][1] is not None and record["blobs"] == [0]
    blob = cache / "blobs" / record["expected_digest"][0][0].hex()
    assert blob.stat().st_size == record["expected_digest"][0][1]
    problem = bench.problems["T/0"]
    assert pool.run(bench.make_job(problem, problem.canonical_solution)).passed
    wrong = pool.run(bench.make_job(problem, "def f(n):\n    return list(range(1, n + 1))\n"))
    assert wrong.tests[0].detail.startswith("expected [0, 1, 2")  # the expected value came from the blob


def test_a_record_whose_blob_is_gone_is_computed_again(cache, pool):
    assert _Tiny().prepare(pool) == 1
    assert _Tiny().prepare(pool) == 0  # from the cache
    for blob in (cache / "blobs").iterdir():
        blob.unlink()
    assert _Tiny().prepare(pool) == 1


def test_a_digest_without_an_encoding_needs_no_blob(cache):
    # An output over the output limit is recorded as a digest only: nothing was moved, nothing can be missing.
    record = {"expected_raw": [None], "expected_digest": [(b"\0" * 32, 10**9)]}
    assert groundtruth._complete(groundtruth._externalize(record))


def test_older_cache_versions_of_the_same_data_are_removed(cache, pool):
    cache.mkdir(parents=True)
    stale = cache / f"tinyplus-{'0' * 16}-v{groundtruth.CACHE_VERSION - 1}.pkl"
    other = cache / f"tinyplus-{'1' * 16}-v{groundtruth.CACHE_VERSION - 1}.pkl"  # another data version: kept
    stale.write_bytes(b"old")
    other.write_bytes(b"old")
    _Tiny().prepare(pool)
    assert not stale.exists() and other.exists()
    assert (cache / f"tinyplus-{'0' * 16}-v{groundtruth.CACHE_VERSION}.pkl").exists()
