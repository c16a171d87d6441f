"""Training tasks: one record per problem, shared by the reward, the trainers and data synthesis.

A task file is JSONL, one `Task` per line (schema in docs/tasks.md):

    {"task_id": "Mbpp/601", "data_source": "mbpp", "domain": "code", "split": "train",
     "problem": "Write a function ...", "starter_code": "",
     "tests": {"kind": "assert", "test_code": "assert f(1) == 2", "entry_point": "f", "setup_code": ""},
     "solution": "def f(x): ...", "meta": {}}

`tests.kind` is "assert", "call" or "stdio" for code (mapping onto the sandbox's AssertTests, CallTests and
StdioTests) and "answer" for math (the reference final answer, checked with math-verify). Builders for the
local datasets live in `recode.task_sources`; `load_tasks` reads either a source name or a JSONL path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from recode.io import DataError, iter_jsonl, write_jsonl
from recode.sandbox import AssertTests, CallTests, Job, StdioTests
from recode.sandbox.plan import TestCodeError, parse_assert_tests
from recode.text import SYSTEM_PROMPTS, format_completion

DOMAINS = ("code", "math")
# kind -> (required fields, optional fields) of the `tests` object
TEST_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "assert": (("test_code",), ("entry_point", "setup_code", "prelude")),
    "call": (("entry_point", "inputs", "expected"), ("atol",)),
    "stdio": (("cases",), ()),
    "answer": (("answer",), ()),
}


@dataclass
class Tests:
    """How a task's answer is checked. Only the fields of `kind` are used (see TEST_FIELDS)."""

    __test__ = False  # not a pytest test class, despite the name
    kind: str
    test_code: str | None = None  # assert: asserts, or `def check(candidate)` (HumanEval style)
    entry_point: str | None = None  # assert/call: the function name; assert also takes `Solution().f`
    setup_code: str = ""  # assert: run after the program, before the tests (MBPP test_setup_code)
    prelude: str = ""  # assert: prepended to the program (the imports preamble LeetCodeDataset solutions assume)
    inputs: list[list[Any]] | None = None  # call: positional arguments per test
    expected: list[Any] | None = None  # call: expected return values
    atol: float = 0.0  # call: float tolerance
    cases: list[dict[str, str]] | None = None  # stdio: [{"input": ..., "output": ...}]
    answer: str | None = None  # answer: the reference final answer (math)

    @property
    def domain(self) -> str:
        return "math" if self.kind == "answer" else "code"

    def to_dict(self) -> dict:
        required, optional = TEST_FIELDS[self.kind]
        return {"kind": self.kind, **{k: getattr(self, k) for k in required + optional}}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Tests:
        if not isinstance(data, dict):
            raise DataError(f"{where}: `tests` must be an object, got {type(data).__name__}")
        kind = data.get("kind")
        if kind not in TEST_FIELDS:
            raise DataError(f"{where}: tests.kind must be one of {', '.join(TEST_FIELDS)}, got {kind!r}")
        required, optional = TEST_FIELDS[kind]
        missing = [k for k in required if data.get(k) is None]
        unknown = sorted(set(data) - set(required) - set(optional) - {"kind"})
        if missing or unknown:
            what = [f"missing {', '.join(missing)}"] if missing else []
            what += [f"unknown field(s) {', '.join(unknown)} for kind {kind!r}"] if unknown else []
            raise DataError(f"{where}: tests: {'; '.join(what)}")
        tests = cls(kind=kind, **{k: data[k] for k in required + optional if data.get(k) is not None})
        tests.validate(where)
        return tests

    def validate(self, where: str) -> None:
        """Check shapes now, so that a broken task fails at load time, never as a verdict during training."""
        if self.kind == "assert":
            try:
                parse_assert_tests(self.to_sandbox())
            except TestCodeError as exc:
                raise DataError(f"{where}: tests.test_code: {exc}") from None
        elif self.kind == "call":
            if not isinstance(self.inputs, list) or not isinstance(self.expected, list) or \
                    len(self.inputs) != len(self.expected) or not self.inputs:
                raise DataError(f"{where}: tests.inputs and tests.expected must be non-empty lists of equal length")
        elif self.kind == "stdio":
            if not self.cases or not all(isinstance(c, dict) and isinstance(c.get("input"), str) and
                                         isinstance(c.get("output"), str) for c in self.cases):
                raise DataError(f"{where}: tests.cases must be a non-empty list of {{input, output}} strings")
        elif not isinstance(self.answer, str) or not self.answer.strip():
            raise DataError(f"{where}: tests.answer must be a non-empty string")

    def to_sandbox(self) -> AssertTests | CallTests | StdioTests:
        """The sandbox's test object. Raises ValueError for math tasks (they are not run)."""
        if self.kind == "assert":
            code, entry = self.test_code, self.entry_point
            if entry and not entry.isidentifier():
                # An expression such as `Solution().twoSum` (LeetCodeDataset): bind it to `candidate` in the tests'
                # setup. Placed first, it is setup both before `def check` and before the first plain assert.
                code, entry = f"candidate = {entry}\n{code}", None
            return AssertTests(code, entry_point=entry, setup_code=self.setup_code)
        if self.kind == "call":
            return CallTests(self.entry_point, [list(a) for a in self.inputs], list(self.expected), atol=self.atol)
        if self.kind == "stdio":
            return StdioTests([(c["input"], c["output"]) for c in self.cases])
        raise ValueError("math tasks have no sandbox tests")


@dataclass
class Task:
    """One training problem. `solution` is a reference program (code) or the final answer (math)."""

    task_id: str
    data_source: str
    domain: str
    problem: str
    tests: Tests
    starter_code: str = ""
    solution: str | None = None
    split: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, with_solution: bool = True) -> dict:
        out = {"task_id": self.task_id, "data_source": self.data_source, "domain": self.domain,
               "split": self.split, "problem": self.problem, "starter_code": self.starter_code,
               "tests": self.tests.to_dict(), "meta": self.meta}
        if with_solution:
            out["solution"] = self.solution
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "task") -> Task:
        if not isinstance(data, dict):
            raise DataError(f"{where}: a task must be an object, got {type(data).__name__}")
        for key in ("task_id", "data_source", "domain", "problem"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise DataError(f"{where}: `{key}` must be a non-empty string")
        if data["domain"] not in DOMAINS:
            raise DataError(f"{where}: domain must be one of {', '.join(DOMAINS)}, got {data['domain']!r}")
        if "tests" not in data:
            raise DataError(f"{where}: missing field `tests`")
        tests = Tests.from_dict(data["tests"], f"{where} ({data['task_id']})")
        if tests.domain != data["domain"]:
            raise DataError(f"{where}: tests of kind {tests.kind!r} do not fit domain {data['domain']!r}")
        for key in ("starter_code", "solution", "split"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise DataError(f"{where}: `{key}` must be a string")
        return cls(data["task_id"], data["data_source"], data["domain"], data["problem"], tests,
                   starter_code=data.get("starter_code") or "", solution=data.get("solution"),
                   split=data.get("split"), meta=dict(data.get("meta") or {}))

    @cached_property
    def sandbox_tests(self):
        return self.tests.to_sandbox()

    def sandbox_job(self, code: str, fail_fast: bool = True, job_id: str = "") -> Job:
        """The sandbox job that runs `code` against this task's tests (the prelude, if any, goes first)."""
        prelude = self.tests.prelude if self.tests.kind == "assert" else ""
        program = f"{prelude}\n{code}" if prelude.strip() else code
        return Job(program, self.sandbox_tests, id=job_id or self.task_id, fail_fast=fail_fast)

    def user_prompt(self) -> str:
        """The user message: the problem, then the starter code to complete, if any."""
        if not self.starter_code.strip():
            return self.problem.strip()
        return f"{self.problem.strip()}\n\nComplete the following code:\n```python\n{self.starter_code.strip()}\n```"

    def messages(self) -> list[dict[str, str]]:
        """Chat messages asking for the reasoning format (system prompt from recode.text)."""
        return [{"role": "system", "content": SYSTEM_PROMPTS[self.domain]},
                {"role": "user", "content": self.user_prompt()}]

    def reference_completion(self) -> str | None:
        """The reference solution written in the reasoning format (what preflight scores); None without one."""
        if self.solution is None:
            return None
        reasoning = self.meta.get("reference_reasoning") or "Reference solution, written out to check the tests."
        return format_completion(reasoning, self.solution, self.domain)


def read_tasks(path: str | os.PathLike) -> list[Task]:
    """Read a task JSONL file; errors name the line. Task ids must be unique."""
    tasks, seen = [], {}
    for lineno, record in iter_jsonl(path):
        task = Task.from_dict(record, f"{path}:{lineno}")
        if task.task_id in seen:
            raise DataError(f"{path}:{lineno}: duplicate task_id {task.task_id!r} (first on line {seen[task.task_id]})")
        seen[task.task_id] = lineno
        tasks.append(task)
    return tasks


def write_tasks(path: str | os.PathLike, tasks: list[Task]) -> None:
    write_jsonl(path, (t.to_dict() for t in tasks))


def load_tasks(spec: str, limit: int | None = None) -> list[Task]:
    """Tasks from a source name (`recode.task_sources.SOURCES`, e.g. "mbpp-train") or a JSONL path."""
    from recode.task_sources import SOURCES

    if spec in SOURCES:
        tasks = SOURCES[spec]()
    elif os.path.exists(spec):
        tasks = read_tasks(spec)
    else:
        raise DataError(f"{spec!r} is neither a task file nor a known source ({', '.join(SOURCES)})")
    return tasks[:limit] if limit else tasks

