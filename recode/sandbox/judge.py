"""Verdicts from what a child sent: the worker's side of every comparison.

Everything here reads plain values that `codec` has already validated (or, in `fast_pass`, checks the exact
type of each part it touches), so nothing the program returned can run code while it is judged.
"""

from __future__ import annotations

from recode.sandbox import codec
from recode.sandbox.child import OUTPUT_LIMIT
from recode.sandbox.compare import BYTE_EXACT_ORACLES, assert_equal, get_oracle
from recode.sandbox.plan import Task
from recode.sandbox.types import Status, TestVerdict

ERR_STATUS = {"MemoryError": Status.MEMORY_EXCEEDED, "AssertionError": Status.FAIL,
              OUTPUT_LIMIT: Status.OUTPUT_EXCEEDED}


def compared(ok: bool, expected, got) -> TestVerdict:
    if ok:
        return TestVerdict(Status.PASS)
    return TestVerdict(Status.FAIL, detail=f"expected {codec.describe(expected)}, got {codec.describe(got)}")


def fast_pass(task: Task, pos: int, item) -> TestVerdict | None:
    """PASS for a not yet validated result `(index, "out", raw, seconds)` whose bytes equal the expected
    encoding, without decoding it; None when the result needs the full path (validate, decode, judge). Where
    only the expected digest was shipped, the child had offered its own digest first (worker._on_digest), so
    bytes arriving here are known to differ."""
    if type(item) is not tuple or len(item) != 4 or pos >= len(task.indices) or task.expected_raw is None \
            or task.oracle not in BYTE_EXACT_ORACLES:
        return None
    index, kind, raw, elapsed = item
    if type(index) is not int or index != task.indices[pos] or type(kind) is not str or kind != "out" \
            or type(raw) is not bytes or type(elapsed) is not float:
        return None
    if raw != task.expected_raw[pos]:
        return None
    return TestVerdict(Status.PASS, time_s=elapsed)


def shipped_as_digest(task: Task, pos: int) -> bool:
    """Whether test `pos` expects an output whose encoding stayed with the pool (see codec.DIGEST_MIN_BYTES)."""
    return task.expected_raw is not None and task.expected_raw[pos] is None and task.expected_digest is not None \
        and task.expected_digest[pos] is not None


def judge(task: Task, pos: int, kind, values: tuple) -> TestVerdict:
    """The verdict for one validated result of test `task.indices[pos]`."""
    if kind == "err" and len(values) == 2:
        return TestVerdict(ERR_STATUS.get(values[0], Status.RUNTIME_ERROR), detail=str(values[1]))
    if kind == "ok" and not values:
        return TestVerdict(Status.PASS)
    if kind == "val" and len(values) == 1:
        if type(values[0]) is not codec.Opaque and bool(values[0]):
            return TestVerdict(Status.PASS)
        return TestVerdict(Status.FAIL, detail=f"got {codec.describe(values[0])}")
    if kind == "eq" and len(values) == 2:
        return compared(assert_equal(values[0], values[1]), values[1], values[0])
    if kind in ("eqv", "out") and len(values) == 1 and type(values[0]) is bytes:
        return judge_encoded(task, pos, kind, values[0])
    if kind == "outd" and len(values) == 2 and type(values[0]) is bytes and type(values[1]) is int:
        return judge_digest(task, pos, (values[0], values[1]))
    return TestVerdict(Status.FAIL, detail="protocol violation: malformed test result")


def judge_encoded(task: Task, pos: int, kind: str, raw: bytes) -> TestVerdict:
    """An encoded value: the left side of `assert x == literal` (eqv) or a function's output (out)."""
    if kind == "out" and task.expected_raw is not None and raw == task.expected_raw[pos] \
            and task.oracle in BYTE_EXACT_ORACLES:
        return TestVerdict(Status.PASS)
    try:
        out = codec.decode(raw)
    except codec.DecodeError as exc:
        return TestVerdict(Status.FAIL, detail=f"protocol violation: {exc}")
    if kind == "eqv":
        return compared(assert_equal(out, task.expected[pos]), task.expected[pos], out)
    if task.expected is None:
        return TestVerdict(Status.PASS, output=out, raw=raw)
    exp_raw = task.expected_raw[pos] if task.expected_raw is not None else None
    exp = task.expected[pos] if exp_raw is None else codec.decode_trusted(exp_raw)
    try:
        ok = get_oracle(task.oracle)(out, exp, task.inputs[pos], task.atol)
    except Exception:  # noqa: BLE001 - an oracle crash on odd output is a wrong answer
        ok = False
    return compared(ok, exp, out)


def judge_digest(task: Task, pos: int, digest: tuple[bytes, int]) -> TestVerdict:
    """An output over the output limit was sent as (sha256, size) of its encoding: exact match only."""
    if task.expected is None:
        return TestVerdict(Status.PASS, output=codec.Opaque(f"output of {digest[1]} bytes"), digest=digest)
    expected = task.expected_digest[pos] if task.expected_digest is not None else None
    if expected == digest:
        return TestVerdict(Status.PASS)
    return TestVerdict(Status.FAIL, detail=f"output of {digest[1]} bytes differs from the expected one "
                                           "(outputs over the output limit are compared by digest)")
