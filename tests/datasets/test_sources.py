import hashlib
import http.server
import threading
from functools import partial

import pytest

from recode.datasets import get_benchmark
from recode.datasets.sources import DataSource
from recode.io import DataError


@pytest.fixture
def served(tmp_path):
    """A real HTTP server over a folder holding one release file."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "bench.jsonl").write_text('{"task_id": "x"}\n')
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bench.jsonl", hashlib.sha256(b'{"task_id": "x"}\n').hexdigest()
    server.shutdown()


@pytest.fixture
def no_local(tmp_path, monkeypatch):
    monkeypatch.setenv("RECODE_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("RECODE_CACHE_DIR", str(tmp_path / "cache"))


def test_override_variable_wins(tmp_path, monkeypatch):
    given = tmp_path / "MbppPlus-v0.2.0.jsonl"
    given.write_text("{}\n")
    monkeypatch.setenv("MBPP_OVERRIDE_PATH", str(given))
    assert type(get_benchmark("mbpp+")).source.path() == given
    monkeypatch.setenv("MBPP_OVERRIDE_PATH", str(tmp_path / "missing.jsonl"))
    with pytest.raises(DataError, match="MBPP_OVERRIDE_PATH=.*no such file"):
        type(get_benchmark("mbpp+")).source.path()


def test_release_is_downloaded_once_and_checked(no_local, served, tmp_path):
    url, digest = served
    source = DataSource(("bench", "bench.jsonl"), None, url, digest)
    first = source.path()
    assert first.read_text() == '{"task_id": "x"}\n'
    assert source.path() == first
    with pytest.raises(DataError, match="does not match its pinned sha256"):
        DataSource(("bench", "bench.jsonl"), None, url, "0" * 64).path()


def test_offline_without_local_copy_names_every_way_out(no_local):
    source = DataSource(("humanevalplus", "HumanEvalPlus.jsonl.gz"), "HUMANEVAL_OVERRIDE_PATH",
                        "http://127.0.0.1:9/HumanEvalPlus.jsonl.gz")
    with pytest.raises(DataError, match="cannot download .*RECODE_DATA_DIR.*HUMANEVAL_OVERRIDE_PATH"):
        source.path()
    with pytest.raises(DataError, match="set RECODE_DATA_DIR"):
        DataSource(("nothing", "here.jsonl")).path()


def test_parsed_data_is_cached_per_file_content(tmp_path, monkeypatch):
    from recode.datasets.sources import parsed

    monkeypatch.setenv("RECODE_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "d.jsonl"
    calls = []

    def parse(path):
        calls.append(path)
        return [{"x": path.read_text(), "inputs": [(1, 2.5), {3}, None, True]}]

    data.write_text("one")
    first = parsed(data, "demo", parse)
    assert parsed(data, "demo", parse) == first == [{"x": "one", "inputs": [(1, 2.5), {3}, None, True]}]
    assert len(calls) == 1  # the second call read the cache
    data.write_text("two")  # new content: parsed again, and the stale entry removed
    assert parsed(data, "demo", parse)[0]["x"] == "two" and len(calls) == 2
    assert len(list((tmp_path / "cache" / "parsed").glob("demo-*"))) == 1
    (entry,) = (tmp_path / "cache" / "parsed").glob("demo-*")
    entry.write_bytes(b"\x00garbage")  # a damaged entry is parsed again, not trusted
    assert parsed(data, "demo", parse)[0]["x"] == "two" and len(calls) == 3
    assert parsed(data, "other", lambda p: [object()]) and not list((tmp_path / "cache" / "parsed").glob("other-*"))
