"""The sandbox's data contract: what a job is, what a verdict is.

A job is a program plus one of three test kinds:

- `CallTests`: call `entry_point(*args)` for each input and compare the return value with the expected
  output (EvalPlus `base_input`/`plus_input` style). Comparison happens in the trusted worker, never inside
  the untrusted process, on values decoded from plain builtin types.
- `AssertTests`: assert-style test code (HumanEval `check(candidate)`, MBPP `test_list`, LeetCodeDataset).
  Each top-level statement of `check`'s body (or each MBPP assert) is one test step; `assert a == b`
  steps send both sides to the worker, which compares them.
- `StdioTests`: run the program as `__main__` with the case's stdin and compare stdout (LiveCodeBench style).
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field
from itertools import compress
from typing import Any


class Status(str, enum.Enum):
    """Verdict of one test, or of a whole job (the first non-pass test in order)."""

    PASS = "pass"
    FAIL = "fail"  # ran to completion, wrong answer
    TIMEOUT = "timeout"
    RUNTIME_ERROR = "runtime_error"  # exception; `detail` holds its last line
    MEMORY_EXCEEDED = "memory_exceeded"
    OUTPUT_EXCEEDED = "output_exceeded"
    KILLED = "killed"  # died without a verdict: a signal, os._exit, a crash
    SKIPPED = "skipped"  # not run: an earlier test failed and the job was fail-fast

    def __str__(self) -> str:
        return self.value


@dataclass
class Limits:
    """Per-program resource limits. Time limits per test are `clamp(factor * reference_time, floor, cap)`."""

    time_floor_s: float = 1.0  # EvalPlus's minimum per-input time limit
    time_factor: float = 4.0  # EvalPlus's multiplier on the reference solution's time
    time_cap_s: float = 20.0
    default_time_s: float = 4.0  # per test when no reference time is known
    setup_time_s: float = 10.0  # importing/defining the program before the first test
    memory_mb: int = 4096  # address space (RLIMIT_AS)
    max_processes: int = 16  # RLIMIT_NPROC for the program's own uid
    max_open_files: int = 64
    max_output_mb: int = 16  # stdout/stderr and files written (RLIMIT_FSIZE), and values sent back

    def time_limit(self, reference_time: float | None) -> float:
        return self.time_limits([reference_time])[0]

    def time_limits(self, reference_times: list[float | None]) -> list[float]:
        """`time_limit` of each test, in one pass: a job can have a hundred thousand tests."""
        floor, factor, cap, default = self.time_floor_s, self.time_factor, self.time_cap_s, self.default_time_s
        low = min(cap, floor)  # min(cap, max(floor, x)) without two builtin calls per test
        return [default if r is None else x if floor <= (x := factor * r) <= cap else cap if x > cap else low
                for r in reference_times]


@dataclass
class CallTests:
    """Differential tests on return values.

    `expected[i]` is compared with `entry_point(*inputs[i])` using `oracle` (a name in
    `recode.sandbox.compare.ORACLES`) and `atol`. With `expected=None` the job records outputs instead
    (used to compute ground truth from a reference solution).
    """

    entry_point: str
    inputs: list[list[Any]]
    expected: list[Any] | None = None
    atol: float = 0.0
    oracle: str = "default"
    reference_times: list[float] | None = None
    # Transform applied to the raw output inside the program before it is sent back; only for outputs
    # that cannot be serialised (EvalPlus compares some regex-match outputs as "is not None").
    output_transform: str | None = None
    # Names of the test parts, e.g. ["base"]*n_base + ["plus"]*n_plus, so results can be split.
    groups: list[str] | None = None
    # Encoded expected outputs (TestVerdict.raw of a recording run): an identical encoding passes without
    # decoding, which makes judging large outputs cheap.
    expected_raw: list[bytes | None] | None = None
    # (sha256, size) of encodings compared by digest: outputs over the output limit (never encoded whole), and
    # large ones whose bytes stay with the pool (see codec.DIGEST_MIN_BYTES).
    expected_digest: list[tuple[bytes, int] | None] | None = None
    # A folder of expected encodings kept out of memory, one file per encoding named by the hex SHA-256 of
    # `expected_digest[i]`, for tests whose `expected_raw[i]` is None: read only when an output differs.
    expected_dir: str | None = None


@dataclass
class AssertTests:
    """Assert-style tests. `test_code` may define `check(candidate)` (HumanEval) or hold plain asserts (MBPP)."""

    test_code: str
    entry_point: str | None = None  # bound to `candidate` when `check(candidate)` is used
    setup_code: str = ""  # run after the program, before the tests (MBPP test_setup_code)
    reference_times: list[float] | None = None


@dataclass
class StdioTests:
    """stdin/stdout tests: each case is (stdin text, expected stdout text)."""

    cases: list[tuple[str, str]]
    float_tol: float = 1e-6
    compare: str = "tokens"  # a name in recode.sandbox.compare.STDOUT_COMPARES ("lines": LiveCodeBench's rule)
    reference_times: list[float] | None = None


TestSpec = CallTests | AssertTests | StdioTests


@dataclass
class Job:
    """One program and its tests. `id` is echoed back; `fail_fast` stops at the first failing test."""

    code: str
    tests: TestSpec
    id: str = ""
    fail_fast: bool = True
    limits: Limits = field(default_factory=Limits)


@dataclass(slots=True)
class TestVerdict:
    """One test's outcome. Treat it as read-only once a result is returned: the tests a stopped program never
    reached (or that were skipped after an earlier failure) share one verdict object."""

    status: Status
    time_s: float | None = None
    detail: str | None = None  # error's last line, or a short got/expected description
    output: Any = None  # recorded output (CallTests with expected=None)
    raw: bytes | None = None  # its encoding, for CallTests.expected_raw
    digest: tuple[bytes, int] | None = None  # (sha256, size) instead of `raw` for outputs over the limit

    def to_dict(self) -> dict:
        return {"status": str(self.status), "time_s": self.time_s, "detail": self.detail}

    def __reduce__(self):
        # A flat tuple pickles several times faster than a dataclass instance; a batch holds many verdicts.
        return (_verdict, (self.status.value, self.time_s, self.detail, self.output, self.raw, self.digest))


status_of = operator.attrgetter("status")
_STATUS_OF = {s.value: s for s in Status}  # Status(value) goes through EnumType.__call__: ~20x slower


def _verdict(status, time_s, detail, output, raw, digest) -> TestVerdict:
    return TestVerdict(_STATUS_OF[status], time_s, detail, output, raw, digest)


def pack_verdicts(verdicts: list[TestVerdict]) -> tuple:
    """A list of verdicts as (statuses, times, {position: the other fields}, tail): a task's result can hold
    thousands, nearly all a bare PASS, and one object per verdict would dominate the transfer. `tail` is the run
    of one and the same object that ends the list, as (count, its fields): the untested tests of a stopped
    program share one verdict, sent once (a wrong program stopped at its first test used to cost ~1.3 ms per
    thousand tests to build, pickle and unpickle)."""
    last = verdicts[-1] if verdicts else None
    end = len(verdicts)
    while end and verdicts[end - 1] is last:
        end -= 1
    head = verdicts[:end]
    extras = {k: (v.detail, v.output, v.raw, v.digest) for k, v in enumerate(head)
              if v.detail is not None or v.output is not None or v.raw is not None or v.digest is not None}
    tail = (len(verdicts) - end, last.__reduce__()[1] if last is not None else None)
    return [v.status.value for v in head], [v.time_s for v in head], extras, tail


def unpack_verdicts(packed: tuple) -> list[TestVerdict]:
    """The list `pack_verdicts` packed; its tail's positions hold one shared object (verdicts are read, not
    modified, once a result is returned)."""
    statuses, times, extras, (count, last) = packed
    out = [TestVerdict(_STATUS_OF[s], t) for s, t in zip(statuses, times)]
    for k, (detail, output, raw, digest) in extras.items():
        v = out[k]
        v.detail, v.output, v.raw, v.digest = detail, output, raw, digest
    if count:
        out += [_verdict(*last)] * count
    return out


@dataclass
class JobResult:
    id: str
    status: Status
    tests: list[TestVerdict]
    isolation: str  # "bwrap+uid", "uid", or "rlimits": what held for this program
    wall_s: float
    first_failure: dict | None = None  # {"index", "status", "input", "detail"}
    setup_error: str | None = None

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    def group_passed(self, groups: list[str] | None, group: str) -> bool | None:
        """Whether every test of `group` passed; None if the job has no such group."""
        if not groups or group not in groups:
            return None
        # Iterated in C: a job can have a hundred thousand tests.
        statuses = list(map(status_of, compress(self.tests, map(group.__eq__, groups))))
        return statuses.count(Status.PASS) == len(statuses)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "status": str(self.status),
            "isolation": self.isolation,
            "wall_s": round(self.wall_s, 4),
            "first_failure": self.first_failure,
            "setup_error": self.setup_error,
            "tests": [v.to_dict() for v in self.tests],
        }
