"""What runs inside the forked, unprivileged process: the program, then its tests, reporting each event.

Every event goes to the worker over a private pipe as a frame `kind(1) | length(4) | marshal payload`:
`S` setup done, `E` setup failed, `R` one test's outcome, `T` tampering found, `D` all tests ran.
The worker decides every verdict; this side only runs code and sends plain values (see codec.py).

Covered: exit tricks (SystemExit, os._exit, exit()), objects with a custom `__eq__`, patched builtins or
math helpers, closed stdout, fake success lines on stdout. Not covered: a program written to find and forge
the private pipe's frames in its own process memory (it would have to target this harness deliberately).
"""

from __future__ import annotations

import builtins
import math
import marshal
import os
import struct
import sys
import time
import traceback

from recode.sandbox import codec

_HEADER = struct.Struct("<cI")


class Channel:
    def __init__(self, fd: int):
        self.fd = fd

    def send(self, kind: bytes, payload) -> None:
        data = marshal.dumps(payload)
        buf = _HEADER.pack(kind, len(data)) + data
        view = memoryview(buf)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]


def error_line(exc: BaseException) -> str:
    """The last line of the traceback, as a person reading a failed test wants it."""
    lines = traceback.format_exception_only(type(exc), exc)
    return (lines[-1].strip() if lines else type(exc).__name__)[:500]


def _snapshot():
    """Identity of every builtin and math function, to detect a program that patches test helpers."""
    return {"builtins": dict(vars(builtins)), "math": dict(vars(math))}


def tampered(snapshot) -> str | None:
    for label, module in (("builtins", builtins), ("math", math)):
        now = vars(module)
        for name, obj in snapshot[label].items():
            if now.get(name) is not obj:
                return f"{label}.{name} was replaced"
    return None


def _exc_payload(exc: BaseException) -> tuple:
    return ("err", type(exc).__name__, error_line(exc))


def run_program(code: str, namespace: dict, channel: Channel, snapshot) -> bool:
    """Execute the program text; report `S` or `E`. Returns whether setup succeeded."""
    try:
        exec(compile(code, "<solution>", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - any failure of untrusted code is a verdict
        channel.send(b"E", _exc_payload(exc))
        return False
    problem = tampered(snapshot)
    if problem:
        channel.send(b"T", problem)
        return False
    channel.send(b"S", None)
    return True


def run_calls(task, namespace: dict, channel: Channel) -> None:
    fn = namespace.get(task.entry_point)
    if not callable(fn):
        channel.send(b"E", ("err", "NameError", f"the program defines no function {task.entry_point!r}"))
        return
    not_none = task.output_transform == "not_none"
    for i, inp in zip(task.indices, task.inputs):
        start = time.perf_counter()
        try:
            out = fn(*inp)
        except BaseException as exc:  # noqa: BLE001
            channel.send(b"R", (i, *_exc_payload(exc), time.perf_counter() - start))
            continue
        elapsed = time.perf_counter() - start
        if not_none and type(out) is not bool:
            out = out is not None
        channel.send(b"R", (i, "out", codec.to_plain(out), elapsed))


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
    if kind == "val":
        return ("val", codec.to_plain(eval(first, namespace)))
    exec(first, namespace)
    return ("ok",)


def _is_opaque(plain) -> bool:
    return type(plain) is tuple and len(plain) == 2 and plain[0] == codec._OPAQUE_TAG


def run_steps(task, namespace: dict, channel: Channel) -> None:
    for code in task.setup_steps:
        try:
            exec(code, namespace)
        except BaseException as exc:  # noqa: BLE001
            channel.send(b"E", _exc_payload(exc))
            return
    if task.entry_point is not None:
        namespace["candidate"] = namespace.get(task.entry_point)
    for i, step in zip(task.indices, task.steps):
        start = time.perf_counter()
        try:
            payload = _eval_step(step, namespace)
        except BaseException as exc:  # noqa: BLE001
            payload = _exc_payload(exc)
        channel.send(b"R", (i, *payload, time.perf_counter() - start))


def run_stdio(code: str, channel: Channel, snapshot, index: int) -> None:
    """Run the program as __main__; stdin/stdout were already pointed at the case's files."""
    start = time.perf_counter()
    namespace = {"__name__": "__main__", "__builtins__": builtins}
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


def child_main(task, channel_fd: int) -> None:
    """Entry point after fork and privilege drop. Never returns."""
    channel = Channel(channel_fd)
    snapshot = _snapshot()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    if task.kind == "stdio":
        run_stdio(task.code, channel, snapshot, task.indices[0])
    else:
        namespace = {"__name__": "__solution__", "__builtins__": builtins}
        if run_program(task.code, namespace, channel, snapshot):
            (run_calls if task.kind == "call" else run_steps)(task, namespace, channel)
            problem = tampered(snapshot)
            if problem:
                channel.send(b"T", problem)
    channel.send(b"D", None)
    os._exit(0)
