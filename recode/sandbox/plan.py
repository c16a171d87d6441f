"""Turning jobs into tasks: the units one forked process runs.

A job's tests are split into chunks of about `target_s` estimated seconds (from reference times), so that one
slow job is spread over all workers; each chunk re-runs the program's definitions in its own process.
Assert-style test code is parsed here, once, into steps the worker can judge one by one.
"""

from __future__ import annotations

import ast
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pickle import loads as _loads  # bound here: a program runs before its process decodes its inputs
from typing import Any

from recode.sandbox import codec
from recode.sandbox.compare import BYTE_EXACT_ORACLES
from recode.sandbox.types import AssertTests, CallTests, Job, StdioTests

DEFAULT_TEST_ESTIMATE_S = 0.002


class Inputs(Sequence):
    """A task's arguments, pickled in chunks of `CHUNK` when the task is. The worker that receives the task
    passes them on undecoded; the forked process decodes each chunk as its tests reach it, and the worker decodes
    one only to judge by a special oracle. A program that fails its first test thus costs one chunk's decoding,
    not a thousand inputs' (unpickling and freeing them took the worker ~0.7 ms per HumanEval+ task)."""

    CHUNK = 64
    __slots__ = ("_items", "_chunks", "_n", "_decoded")

    def __init__(self, items: list):
        self._items, self._chunks, self._n, self._decoded = items, None, len(items), {}

    def __reduce__(self):
        if self._items is None:
            return _shipped_inputs, (self._n, self._chunks)
        items, size = self._items, self.CHUNK
        return _shipped_inputs, (self._n, [pickle.dumps(items[k:k + size], protocol=pickle.HIGHEST_PROTOCOL)
                                           for k in range(0, self._n, size)])

    def __len__(self) -> int:
        return self._n

    def _chunk(self, c: int) -> list:
        if self._items is not None:
            return self._items[c * self.CHUNK:(c + 1) * self.CHUNK]
        if c not in self._decoded:
            self._decoded[c] = _loads(self._chunks[c])
        return self._decoded[c]

    def __getitem__(self, pos):
        if isinstance(pos, slice):
            return [self[k] for k in range(*pos.indices(self._n))]
        if pos < 0:
            pos += self._n
        if not 0 <= pos < self._n:
            raise IndexError("input index out of range")
        return self._chunk(pos // self.CHUNK)[pos % self.CHUNK]

    def __iter__(self):
        if self._items is not None:
            yield from self._items
            return
        for c in range(len(self._chunks)):
            # Not kept: the process that iterates runs the tests once, and holds one chunk at a time.
            yield from (self._decoded[c] if c in self._decoded else _loads(self._chunks[c]))

    def __eq__(self, other) -> bool:
        return isinstance(other, (list, Inputs)) and len(other) == self._n and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Inputs({self._n} items)"


def _shipped_inputs(n: int, chunks: list[bytes]) -> Inputs:
    inputs = Inputs.__new__(Inputs)
    inputs._items, inputs._chunks, inputs._n, inputs._decoded = None, chunks, n, {}
    return inputs


@dataclass
class Task:
    job_index: int
    kind: str  # "call" | "assert" | "stdio"
    code: str
    indices: list[int]
    time_limits: list[float]
    setup_time_s: float
    memory_mb: int
    max_processes: int
    max_open_files: int
    max_output_mb: int
    group: str = ""
    estimate_s: float = 0.0
    fail_fast: bool = True
    # call
    entry_point: str | None = None
    inputs: Inputs | list[Any] = field(default_factory=list)
    expected: list[Any] | None = None
    expected_raw: list[bytes | None] | None = None
    # (sha256, size) where the encoding is not shipped: outputs over the output limit, and large expected
    # encodings that stay with the pool (fetched by the worker only when an output's digest differs)
    expected_digest: list[tuple[bytes, int] | None] | None = None
    atol: float = 0.0
    oracle: str = "default"
    output_transform: str | None = None
    # assert
    setup_steps: list[str] = field(default_factory=list)
    steps: list[tuple[str, str, str | None]] = field(default_factory=list)  # literals moved to `expected`
    # stdio
    stdin: str = ""
    expected_stdout: str | None = None
    float_tol: float = 1e-6
    stdout_compare: str = "tokens"


class TestCodeError(ValueError):
    """Test code that cannot be parsed: a broken benchmark record, not a failing program."""


def _contains_assert(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Assert) for n in ast.walk(node))


def _step(node: ast.stmt) -> tuple[str, str, Any]:
    """("eqv", left, literal) | ("eq", left, right) | ("val", expr, None) | ("exec", statement, None)."""
    if isinstance(node, ast.Assert):
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            left, right = ast.unparse(test.left), test.comparators[0]
            try:
                # A literal expected value is kept by the worker and never shown to the program.
                return ("eqv", left, ast.literal_eval(right))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return ("eq", left, ast.unparse(right))
        return ("val", ast.unparse(test), None)
    return ("exec", ast.unparse(node), None)


def parse_assert_tests(tests: AssertTests) -> tuple[list[str], list[tuple[str, str, Any]]]:
    """Split test code into setup statements and test steps.

    With `def check(candidate)`, the other top-level statements are setup and check's body holds the steps;
    otherwise the top-level statements are used directly. Statements before the first one that contains an
    assert are setup; each later top-level statement is one step.
    """
    try:
        module = ast.parse(tests.test_code)
    except SyntaxError as exc:
        raise TestCodeError(f"test code does not parse: {exc}") from None
    setup: list[ast.stmt] = []
    body = module.body
    check = next((n for n in body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    if check is not None:
        def is_check_call(n: ast.stmt) -> bool:
            return isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and getattr(
                n.value.func, "id", None) == "check"
        setup = [n for n in body if n is not check and not is_check_call(n)]
        body = check.body
    first = next((k for k, n in enumerate(body) if _contains_assert(n)), None)
    if first is None:
        raise TestCodeError("test code contains no assert statement")
    setup_src = [ast.unparse(n) for n in setup + body[:first]]
    return setup_src, [_step(n) for n in body[first:]]


def _chunks(estimates: list[float], target_s: float) -> list[range]:
    """Consecutive runs of tests of about `target_s` estimated seconds together (at least one test each)."""
    if sum(estimates) <= target_s:  # most jobs: no per-test loop (HumanEval+ has 125k tests)
        return [range(len(estimates))]
    out: list[range] = []
    start, acc = 0, 0.0
    for i, est in enumerate(estimates):
        if i > start and acc + est > target_s:
            out.append(range(start, i))
            start, acc = i, 0.0
        acc += est
    out.append(range(start, len(estimates)))
    return out


def _split_probe(chunks: list[range], fail_fast: bool) -> list[range]:
    """A fail-fast job spread over several tasks first runs its first test alone (the pool's probe): a wrong
    program is then rejected without shipping and re-running a whole chunk of inputs and expected outputs."""
    if not fail_fast or len(chunks) < 2 or len(chunks[0]) < 2:
        return chunks
    first = chunks[0]
    return [range(first.start, first.start + 1), range(first.start + 1, first.stop), *chunks[1:]]


def _limits_kw(job: Job) -> dict:
    lim = job.limits
    return dict(fail_fast=job.fail_fast, setup_time_s=lim.setup_time_s, memory_mb=lim.memory_mb,
                max_processes=lim.max_processes,
                max_open_files=lim.max_open_files, max_output_mb=lim.max_output_mb)


def _estimates(ref: list[float] | None, n: int) -> list[float]:
    if ref is None or len(ref) != n:
        return [DEFAULT_TEST_ESTIMATE_S] * n
    return [t if t > 1e-5 else 1e-5 for t in ref]


def n_tests(job: Job) -> int:
    t = job.tests
    if isinstance(t, CallTests):
        return len(t.inputs)
    if isinstance(t, StdioTests):
        return len(t.cases)
    return len(parse_assert_tests(t)[1])


def _expected_slice(t: CallTests, sub: range) -> list[Any] | None:
    """Expected values for a chunk; where an encoding travels too, the value is decoded from it on demand."""
    if t.expected is None:
        return None
    values = t.expected[sub.start:sub.stop]
    if t.expected_raw is None:
        return values
    return [None if raw is not None else v for v, raw in zip(values, t.expected_raw[sub.start:sub.stop])]


def _shipped_encodings(t: CallTests, sub: range) -> tuple[list | None, list | None]:
    """Expected encodings and digests for a chunk; an encoding over codec.DIGEST_MIN_BYTES travels as its digest."""
    raws = None if t.expected_raw is None else t.expected_raw[sub.start:sub.stop]
    digests = None if t.expected_digest is None else t.expected_digest[sub.start:sub.stop]
    if raws is None or t.oracle not in BYTE_EXACT_ORACLES \
            or max(map(len, filter(None, raws)), default=0) <= codec.DIGEST_MIN_BYTES:
        return raws, digests
    digests = digests or [None] * len(sub)
    for k, raw in enumerate(raws):
        if raw is not None and len(raw) > codec.DIGEST_MIN_BYTES:
            digests[k] = digests[k] or codec.digest(raw)  # the ground-truth cache has them computed already
            raws[k] = None
    return raws, digests


def plan_job(job_index: int, job: Job, target_s: float) -> list[Task]:
    """Split one job into tasks of about `target_s` estimated seconds each."""
    t, kw = job.tests, _limits_kw(job)
    if isinstance(t, CallTests):
        est = _estimates(t.reference_times, len(t.inputs))
        limits = job.limits.time_limits(t.reference_times or [None] * len(t.inputs))
        groups = t.groups or [""] * len(t.inputs)
        tasks = []
        for sub in _split_probe(_chunks(est, target_s), job.fail_fast):
            a, b = sub.start, sub.stop  # chunks are consecutive tests: slices, not per-test loops
            raws, digests = _shipped_encodings(t, sub)
            # Tests run in order (base before plus), so a chunk that starts in a group only reaches later ones.
            tasks.append(Task(job_index, "call", job.code, list(sub), limits[a:b], group=groups[a],
                              estimate_s=sum(est[a:b]), entry_point=t.entry_point, inputs=Inputs(t.inputs[a:b]),
                              expected=_expected_slice(t, sub), expected_raw=raws, expected_digest=digests,
                              atol=t.atol, oracle=t.oracle, output_transform=t.output_transform, **kw))
        return tasks
    if isinstance(t, StdioTests):
        ref = t.reference_times or [None] * len(t.cases)
        est = _estimates(t.reference_times, len(t.cases))
        return [Task(job_index, "stdio", job.code, [i], [job.limits.time_limit(ref[i])], estimate_s=est[i],
                     stdin=t.cases[i][0], expected_stdout=t.cases[i][1], float_tol=t.float_tol,
                     stdout_compare=t.compare, **kw)
                for i in range(len(t.cases))]
    setup, steps = parse_assert_tests(t)
    # MBPP's test_setup_code builds test data from the program's own classes, so it runs after the program.
    setup = ([t.setup_code] if t.setup_code.strip() else []) + setup
    code = job.code
    ref = t.reference_times if t.reference_times and len(t.reference_times) == len(steps) else None
    est = _estimates(ref, len(steps))
    limits = job.limits.time_limits(ref or [None] * len(steps))
    # Steps that are not asserts may leave state for later steps, so such tests stay in one process.
    stateful = any(kind == "exec" for kind, _, _ in steps)
    chunks = [range(len(steps))] if stateful else _split_probe(_chunks(est, target_s), job.fail_fast)
    return [Task(job_index, "assert", code, list(idx), [limits[i] for i in idx], estimate_s=sum(est[i] for i in idx),
                 entry_point=t.entry_point, setup_steps=setup,
                 steps=[(steps[i][0], steps[i][1], None if steps[i][0] == "eqv" else steps[i][2]) for i in idx],
                 expected=[steps[i][2] if steps[i][0] == "eqv" else None for i in idx], **kw)
            for idx in chunks]
