"""What runs inside the forked, unprivileged process: the program, then its tests, reporting each event.

Every event goes to the worker over a private pipe as a frame `kind(1) | length(4) | marshal payload`:
`E` setup failed, `R` one test's outcome, `B` a batch of them, `H` the digest of a large
output (the worker answers on a second pipe whether it wants the bytes), `T` tampering found, `D` all tests ran.
The worker decides every verdict; this side only runs code and sends plain values (see codec.py).

Covered: exit tricks (SystemExit, os._exit, exit()), objects with a custom `__eq__`, patched builtins or
math helpers, closed stdout, fake success lines on stdout. Not covered: a program written to find and forge
the private pipe's frames in its own process memory (it would have to target this harness deliberately).
"""

from __future__ import annotations

import builtins
import errno
import math
import marshal
import os
import struct
import sys
import time
import traceback
import types

from recode.sandbox import codec

_HEADER = struct.Struct("<cI")
OUTPUT_LIMIT = "OutputLimitExceeded"  # error name the worker reads as Status.OUTPUT_EXCEEDED
_PROGRESS = struct.Struct("<qd")  # (index of the test running, its monotonic start time)


class Channel:
    """Frames to the worker. Test results are batched (a frame per result would cost more than many tests);
    the test in progress is published in shared memory so the worker can time it out precisely."""

    FLUSH_S = 0.01
    FLUSH_BYTES = 1 << 20

    def __init__(self, fd: int, progress=None, reply_fd: int | None = None):
        self.fd = fd
        self.progress = progress
        self.reply_fd = reply_fd
        self.results: list[tuple] = []  # sent together as one `B` frame
        self.results_bytes = 0
        self.last_flush = time.monotonic()

    def send(self, kind: bytes, payload) -> None:
        self._write(*self._batch(), *self._frame(kind, payload))

    def result(self, payload: tuple) -> None:
        self.results.append(payload)
        self.results_bytes += len(payload[2]) if len(payload) > 2 and type(payload[2]) is bytes else 16
        if self.results_bytes > self.FLUSH_BYTES:
            self.flush()

    def offer_digest(self, payload: tuple) -> bool:
        """Send `(index, "outh", sha256, size, seconds)` of a large output; True when the worker found it equal to
        the expected one, False when it wants the output itself (to compare values, or to record it)."""
        self.send(b"H", payload)
        return os.read(self.reply_fd, 1) == b"y"

    def start(self, index: int) -> None:
        """Publish that test `index` starts now; flush results older than FLUSH_S first."""
        now = time.monotonic()
        if self.results and now - self.last_flush > self.FLUSH_S:
            self.flush()
        if self.progress is not None:
            _PROGRESS.pack_into(self.progress, 0, index, now)

    @staticmethod
    def _frame(kind: bytes, payload) -> tuple[bytes, bytes]:
        data = marshal.dumps(payload)
        return _HEADER.pack(kind, len(data)), data

    def _batch(self) -> tuple[bytes, ...]:
        if not self.results:
            return ()
        frame = self._frame(b"B", self.results)
        self.results, self.results_bytes = [], 0
        return frame

    def flush(self) -> None:
        self._write(*self._batch())

    def _write(self, *parts: bytes) -> None:
        """Header and payload go out in one writev: joining them first would copy megabytes of output."""
        self.last_flush = time.monotonic()
        views = [memoryview(p) for p in parts if p]
        while views:
            n = os.writev(self.fd, views)
            while views and n >= len(views[0]):
                n -= len(views.pop(0))
            if views:
                views[0] = views[0][n:]


def error_line(exc: BaseException) -> str:
    """The last line of the traceback, as a person reading a failed test wants it."""
    lines = traceback.format_exception_only(type(exc), exc)
    return (lines[-1].strip() if lines else type(exc).__name__)[:500]


_SNAPSHOT: dict = {}


def snapshot() -> dict:
    """Identity of every builtin and math function, to detect a program that patches test helpers. Taken once
    by the fork server (`Worker` calls this before its first fork), so a child does not build its own copy; the
    check itself (`tampered`) still touches every builtin, ~75 page copies per child."""
    if not _SNAPSHOT:
        _SNAPSHOT.update(builtins=dict(vars(builtins)), math=dict(vars(math)))
    return _SNAPSHOT


def tampered(snapshot) -> str | None:
    for label, module in (("builtins", builtins), ("math", math)):
        now = vars(module)
        for name, obj in snapshot[label].items():
            if now.get(name) is not obj:
                return f"{label}.{name} was replaced"
    return None


def _exc_payload(exc: BaseException) -> tuple:
    name = type(exc).__name__
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        name = OUTPUT_LIMIT  # RLIMIT_FSIZE: Python ignores SIGXFSZ, so the write fails with EFBIG instead
    return ("err", name, error_line(exc))


def program_namespace(name: str) -> dict:
    """The globals of a module registered in sys.modules, as for a file Python runs: `@dataclass`, pickling
    and `patch(f"{__name__}.f")` look the program's module up there."""
    module = types.ModuleType(name)
    module.__builtins__ = builtins
    sys.modules[name] = module
    return module.__dict__


def run_program(code: str, namespace: dict, channel: Channel, snapshot) -> bool:
    """Execute the program text; report `E` (or `T`) if that fails. Returns whether setup succeeded. Success
    is not reported: the worker follows the tests through the shared progress record, and a frame of its own
    cost each program a write and its worker a wake-up."""
    try:
        exec(compile(code, "<solution>", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - any failure of untrusted code is a verdict
        channel.send(b"E", _exc_payload(exc))
        return False
    problem = tampered(snapshot)
    if problem:
        channel.send(b"T", problem)
        return False
    return True


def run_calls(task, namespace: dict, channel: Channel) -> None:
    fn = namespace.get(task.entry_point)
    if not callable(fn):
        channel.send(b"E", ("err", "NameError", f"the program defines no function {task.entry_point!r}"))
        return
    not_none = task.output_transform == "not_none"
    digest_over = task.max_output_mb * 1024 * 1024
    # Inputs come in chunks decoded on their first item (plan.Inputs): that decoding is published as harness time
    # (-1, under the setup limit), so a large chunk cannot eat into the limit of the test that just finished.
    chunk = getattr(task.inputs, "CHUNK", 0)
    inputs = iter(task.inputs)
    for k, i in enumerate(task.indices):
        if chunk and k % chunk == 0:
            channel.start(-1)
        inp = next(inputs)
        channel.start(i)
        start = time.perf_counter()
        try:
            out = fn(*inp)
        except BaseException as exc:  # noqa: BLE001
            channel.result((i, *_exc_payload(exc), time.perf_counter() - start))
            continue
        if not_none and type(out) is not bool:
            out = out is not None
        if codec.looks_huge(out, digest_over):
            digest = codec.streamed_digest(out)
            if digest is not None:
                channel.result((i, "outd", *digest, time.perf_counter() - start))
                continue
        raw = codec.encode(out)
        # Sending the result back is part of the test's time (the reference solution's time includes it too).
        if len(raw) > digest_over:
            channel.result((i, "outd", *codec.digest(raw), time.perf_counter() - start))
        elif len(raw) <= codec.DIGEST_MIN_BYTES or channel.reply_fd is None \
                or not channel.offer_digest((i, "outh", *codec.digest(raw), time.perf_counter() - start)):
            channel.result((i, "out", raw, time.perf_counter() - start))


def _eval_step(step, namespace: dict) -> tuple:
    """Run one assert-style step; returns the payload kind and plain values for the worker to judge."""
    kind, first, second = step
    if kind == "eq":
        left, right = eval(first, namespace), eval(second, namespace)
        pl, pr = codec.to_plain(left), codec.to_plain(right)
        if _is_opaque(pl) or _is_opaque(pr):
            # Objects of one and the same type (ListNode, Fraction) compare with that type's own __eq__,
            # which the test code, not the program, chose.
            same = type(left) is type(right) and (left == right) is True
            return ("val", same)
        return ("eq", pl, pr)
    if kind == "eqv":  # the expected literal stays with the worker
        return ("eqv", codec.encode(eval(first, namespace)))
    if kind == "val":
        return ("val", codec.to_plain(eval(first, namespace)))
    exec(first, namespace)
    return ("ok",)


def _is_opaque(plain) -> bool:
    return type(plain) is tuple and len(plain) == 2 and plain[0] == codec._OPAQUE_TAG


class Unjudgeable:
    """Stands in for a returned object that could fake a comparison: it equals nothing, has no truth value,
    and supports no arithmetic, so `assert not f(x)` or `assert abs(f(x) - y) < eps` cannot pass with it."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __bool__(self):
        raise TypeError(f"a {self.type_name} returned by the program has no truth value in a test")

    def __repr__(self) -> str:
        return f"<unjudgeable {self.type_name}>"


_PLAIN = (type(None), bool, int, float, complex, str, bytes)
# Operators through which a returned object could make a test's own expression come out true.
_OPERATORS = frozenset(
    f"__{name}__" for name in "eq ne lt le gt ge bool len hash abs neg pos invert contains iter getitem getattr "
    "getattribute float int index round complex add radd sub rsub mul rmul truediv rtruediv floordiv rfloordiv "
    "mod rmod pow rpow and rand or ror xor rxor lshift rshift".split())
_TRUSTED_MODULES = frozenset(sys.stdlib_module_names) | {"builtins", "numpy"}


def _suspicious(cls: type) -> bool:
    """A class from outside the standard library (the program's own) that overrides an operator."""
    return any(c.__module__.split(".")[0] not in _TRUSTED_MODULES and not _OPERATORS.isdisjoint(vars(c))
               for c in cls.__mro__)


def guard_value(value, depth: int = 0):
    """The program's return value as tests should see it: suspicious objects replaced by `Unjudgeable`."""
    t = type(value)
    if t in _PLAIN or depth > codec.MAX_DEPTH:
        return value
    if t in (list, tuple, set, frozenset):
        return t(guard_value(v, depth + 1) for v in value)
    if t is dict:
        return {guard_value(k, depth + 1): guard_value(v, depth + 1) for k, v in value.items()}
    return Unjudgeable(t.__qualname__) if _suspicious(t) else value


def _guarded(fn):
    def call(*args, **kwargs):
        return guard_value(fn(*args, **kwargs))

    return call


def run_steps(task, namespace: dict, channel: Channel) -> None:
    # Tests see the program's names, but call its function through a guard; the program's own (recursive)
    # calls still go to the unguarded function through its globals.
    test_ns = dict(namespace)
    if task.entry_point is not None and callable(namespace.get(task.entry_point)):
        test_ns[task.entry_point] = test_ns["candidate"] = _guarded(namespace[task.entry_point])
    for code in task.setup_steps:
        try:
            exec(code, test_ns)
        except BaseException as exc:  # noqa: BLE001
            channel.send(b"E", _exc_payload(exc))
            return
    namespace = test_ns
    for i, step in zip(task.indices, task.steps):
        channel.start(i)
        start = time.perf_counter()
        try:
            payload = _eval_step(step, namespace)
        except BaseException as exc:  # noqa: BLE001
            payload = _exc_payload(exc)
        channel.result((i, *payload, time.perf_counter() - start))


def run_stdio(code: str, channel: Channel, index: int) -> None:
    """Run the program as __main__; stdin/stdout were already pointed at the case's files."""
    start = time.perf_counter()
    namespace = program_namespace("__main__")
    payload: tuple = ("ok",)
    try:
        exec(compile(code, "<solution>", "exec"), namespace)
    except SystemExit as exc:  # a normal way for a stdio program to end
        if exc.code not in (None, 0):
            payload = ("err", "SystemExit", f"exit status {exc.code}")
    except BaseException as exc:  # noqa: BLE001
        payload = _exc_payload(exc)
    try:
        sys.stdout.flush()
    except BaseException as exc:  # noqa: BLE001 - stdout closed or over its size limit
        payload = _exc_payload(exc)
    channel.send(b"R", (index, *payload, time.perf_counter() - start))


def child_main(task, channel_fd: int, progress=None, reply_fd: int | None = None) -> None:
    """Entry point after fork and privilege drop. Never returns."""
    # Only the worker judges: drop the answers from this process's copy of the task, or the program could
    # read them from its callers' frames (or the garbage collector) and return them.
    task.expected = task.expected_raw = task.expected_digest = task.expected_stdout = None
    channel = Channel(channel_fd, progress, reply_fd)
    channel.start(-1)
    before = snapshot()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    if task.kind == "stdio":
        run_stdio(task.code, channel, task.indices[0])
    else:
        namespace = program_namespace("__solution__")
        if run_program(task.code, namespace, channel, before):
            (run_calls if task.kind == "call" else run_steps)(task, namespace, channel)
            problem = tampered(before)
            if problem:
                channel.send(b"T", problem)
    channel.send(b"D", None)
    os._exit(0)
