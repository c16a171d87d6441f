"""LiveCodeBench code generation (`livecodebench/code_generation_lite`), scored as LiveCodeBench scores it.

- stdin problems (AtCoder, Codeforces): the whole program runs with each test's input; its stdout is compared
  line by line, each line stripped, equal as text or else token by token as exact decimals (LCB's rule).
- functional problems (LeetCode; `metadata.func_name` is set): `Solution().<func_name>(*args)` (or the bare
  function when the program has no `class Solution`) with the arguments parsed from the input, one JSON value
  per line; a returned tuple counts as a list, then Python's `==` against the JSON-parsed output.
Both kinds get LCB's header of standard-library imports before the program, and 6 s per test (LCB's default).

Options (constructor or `get_benchmark("livecodebench:release=release_v5,since=2024-08-01")`):
- release: `release_v1`..`release_v6` / `release_latest` (cumulative), `v1`..`v6` (one release's new problems),
  or `vN_vM` (releases N to M); picks the Hub files, or those files in a local folder.
- since / until: contest_date window, YYYY-MM-DD, both inclusive (against contamination).
- path: a local copy (a JSONL/parquet file, or a folder holding the Hub's test*.jsonl files); default
  $RECODE_LCB_PATH, else the Hub.
"""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import zlib

from recode.datasets.base import Problem
from recode.datasets.codebench import (
    CodeBenchmark,
    check_window,
    in_window,
    load_hub,
    parse_date,
    read_records,
    record_date,
)
from recode.io import DataError
from recode.sandbox import CallTests, Job, Limits, StdioTests

HUB_ID = "livecodebench/code_generation_lite"
PATH_ENV = "RECODE_LCB_PATH"
_FILES = ["test.jsonl"] + [f"test{i}.jsonl" for i in range(2, 7)]


def _release_files() -> dict[str, list[str]]:
    """The Hub files of each release tag, as LiveCodeBench's loading script maps them."""
    out = {f"release_v{i}": _FILES[:i] for i in range(1, 7)}
    out["release_latest"] = list(_FILES)
    for i in range(1, 7):
        out[f"v{i}"] = [_FILES[i - 1]]
        for j in range(i + 1, 7):
            out[f"v{i}_v{j}"] = _FILES[i - 1:j]
    return out


RELEASES = _release_files()
REQUIRED = ("question_title", "question_content", "platform", "question_id", "contest_date", "starter_code",
            "difficulty", "public_test_cases", "private_test_cases", "metadata")

_STAR = ["string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
         "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing"]
# The standard-library header LiveCodeBench puts before every program it runs (its `import_string`).
IMPORT_HEADER = "".join(f"from {m} import *\n" for m in _STAR) + "".join(
    f"import {m}\n" for m in _STAR if m not in ("builtins", "typing")) + "sys.setrecursionlimit(50000)\n"

SYSTEM_MESSAGE = ("You are an expert Python programmer. You will be given a question (problem specification) and "
                  "will generate a correct Python program that matches the specification and passes all tests. "
                  "You will NOT return anything except for the program.")
_WITH_STARTER = ("You will use the following starter code to write the solution to the problem and enclose your "
                 "code within delimiters.")
_WITHOUT_STARTER = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not directly "
                    "test on the sample inputs). Enclose your code within delimiters as follows.")
LIMITS = Limits(default_time_s=6.0, time_cap_s=6.0)


class _StrOnly(pickle.Unpickler):
    """The compressed test cases are a pickled str: refuse anything that would import or call code."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from test data")


def decode_tests(value: str, where: str) -> list[dict]:
    """LiveCodeBench's test-case fields: a JSON list, or base64 of zlib-compressed pickle of that JSON text."""
    try:
        tests = json.loads(value)
    except (json.JSONDecodeError, TypeError):
        try:
            text = _StrOnly(io.BytesIO(zlib.decompress(base64.b64decode(value.encode("utf-8"))))).load()
            tests = json.loads(text)
        except Exception as exc:  # noqa: BLE001 - any decoding failure is a broken record
            raise DataError(f"{where}: neither JSON nor base64(zlib(pickle(JSON))) ({type(exc).__name__}: "
                            f"{exc})") from None
    if not isinstance(tests, list) or not all(isinstance(t, dict) and {"input", "output"} <= t.keys()
                                              for t in tests):
        raise DataError(f"{where}: expected a list of {{input, output, testtype}} objects")
    return tests


def lcb_prompt(question: str, starter_code: str) -> str:
    """LiveCodeBench's generic question template, preceded by its system message (its one-message form)."""
    out = f"### Question:\n{question}\n\n"
    if starter_code:
        out += f"### Format: {_WITH_STARTER}\n```python\n{starter_code}\n```\n\n"
    else:
        out += f"### Format: {_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```\n\n"
    return f"{SYSTEM_MESSAGE}\n\n{out}### Answer: (use the provided format with backticks)\n\n"


def stdio_job(code: str, tests: list[dict], job_id: str, fail_fast: bool) -> Job:
    cases = [(t["input"], t["output"]) for t in tests]
    return Job(IMPORT_HEADER + "\n" + code, StdioTests(cases, compare="lines"), id=job_id, fail_fast=fail_fast,
               limits=LIMITS)


def functional_job(code: str, func_name: str, tests: list[dict], job_id: str, fail_fast: bool,
                   where: str) -> Job:
    try:
        inputs = [[json.loads(line) for line in t["input"].split("\n")] for t in tests]
        expected = [json.loads(t["output"]) for t in tests]
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: a functional test is not one JSON value per line ({exc.msg})") from None
    # LCB calls a method of `Solution()` when the program defines that class, else the module's function.
    target = f"Solution().{func_name}" if "class Solution" in code else func_name
    program = f"{IMPORT_HEADER}\n{code}\n\n\ndef _recode_entry(*args):\n    return {target}(*args)\n"
    return Job(program, CallTests("_recode_entry", inputs, expected, oracle="python_eq"), id=job_id,
               fail_fast=fail_fast, limits=LIMITS)


class LiveCodeBench(CodeBenchmark):
    name = "livecodebench"

    def __init__(self, release: str = "release_latest", since=None, until=None, path: str | None = None):
        super().__init__()
        if release not in RELEASES:
            raise DataError(f"unknown LiveCodeBench release {release!r}; known: release_v1..release_v6, "
                            f"release_latest, v1..v6, vN_vM (e.g. v4_v6)")
        self.release = release
        self.since, self.until = parse_date(since, "since"), parse_date(until, "until")
        check_window(self.since, self.until)
        self.path = path or os.environ.get(PATH_ENV) or None

    def _records(self) -> tuple[list[dict], str]:
        files = RELEASES[self.release]
        if self.path:
            return read_records(self.path, names=files), str(self.path)
        hint = (f"offline, pass a local copy: path=<JSONL/parquet file or folder with {', '.join(files)}> "
                f"(or set {PATH_ENV})")
        urls = [f"hf://datasets/{HUB_ID}/{f}" for f in files]
        return load_hub(HUB_ID, hint, "json", data_files=urls, split="train"), HUB_ID

    def load(self) -> dict[str, Problem]:
        records, source = self._records()
        out = {}
        for n, rec in enumerate(records, 1):
            where = f"{source} record {n}"
            missing = [k for k in REQUIRED if k not in rec]
            if missing:
                raise DataError(f"{where}: missing field(s) {', '.join(missing)}")
            day = record_date(rec["contest_date"], f"{where} contest_date")
            if not in_window(day, self.since, self.until):
                continue
            meta = rec["metadata"]
            meta = json.loads(meta) if isinstance(meta, str) and meta.strip() else (meta or {})
            task_id = str(rec["question_id"])
            raw = dict(rec, metadata=meta, contest_date=day.isoformat(), where=f"{where} ({task_id})")
            out[task_id] = Problem(task_id, "", meta.get("func_name") or "", "", raw)
        return out

    def source_hash(self) -> str:
        return f"{self.release}-{self.since}-{self.until}"

    def solution_of(self, sample: dict, where: str = "sample") -> str:
        # A LiveCodeBench answer is a whole program, never a continuation of a prompt.
        if not isinstance(sample.get("solution"), str) and isinstance(sample.get("completion"), str):
            return sample["completion"]
        return super().solution_of(sample, where)

    def tests(self, problem: Problem) -> list[dict]:
        """Public then private tests, decoded on first use (the private ones can be large)."""
        raw = problem.raw
        if "_tests" not in raw:
            raw["_tests"] = (decode_tests(raw["public_test_cases"], f"{raw['where']} public_test_cases")
                             + decode_tests(raw["private_test_cases"], f"{raw['where']} private_test_cases"))
        return raw["_tests"]

    def prepare(self, pool, task_ids=None, on_done=None) -> int:
        return 0  # expected outputs come with the data, and every test has LCB's fixed time limit

    def make_job(self, problem: Problem, solution: str, fail_fast: bool = True, job_id: str = "") -> Job:
        tests, job_id = self.tests(problem), job_id or problem.task_id
        if problem.entry_point:
            return functional_job(solution, problem.entry_point, tests, job_id, fail_fast, problem.raw["where"])
        return stdio_job(solution, tests, job_id, fail_fast)

    def user_prompt(self, problem: Problem) -> str:
        return lcb_prompt(problem.raw["question_content"], problem.raw["starter_code"] or "")

    def buckets(self, problem: Problem) -> dict[str, str]:
        raw = problem.raw
        return {"difficulty": str(raw["difficulty"]).lower(), "month": raw["contest_date"][:7],
                "platform": str(raw["platform"]).lower()}
