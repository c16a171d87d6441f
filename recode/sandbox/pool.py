"""The pool: warm fork-server workers, one per core, and the batch API `run_batch(jobs) -> results`.

Jobs are split into tasks (see plan.py), ordered longest-first so the batch finishes evenly, and dealt to
the workers by one thread each. With `fail_fast`, a failed test cancels the job's queued tasks of the same
group and of later groups (a failed `base` test skips `plus`; a failed `plus` test still lets `base` finish).
"""

from __future__ import annotations

import fcntl
import gc
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial

from recode.sandbox import codec, isolation
from recode.sandbox.plan import Task, parse_assert_tests, plan_job
from recode.sandbox.types import AssertTests, Job, JobResult, Status, TestVerdict, status_of

_FRAME = struct.Struct("<I")
_REPLY = struct.Struct("<cI")  # the worker's frames: kind (R result, Q request for expected encodings), size
_F_SETPIPE_SZ, _F_GETPIPE_SZ = 1031, 1032  # fcntl
_PIPE_BYTES = 1 << 20
ISOLATION_LEVELS = ("auto", "bwrap+uid", "uid", "rlimits")


class SandboxError(RuntimeError):
    """The sandbox itself failed (a worker would not start): never turned into a verdict."""


def choose_isolation(requested: str = "auto") -> str:
    if requested not in ISOLATION_LEVELS:
        raise ValueError(f"unknown isolation {requested!r}; choose one of {', '.join(ISOLATION_LEVELS)}")
    if requested != "auto":
        return requested
    if isolation.bwrap_path() and isolation.is_root():
        return "bwrap+uid"
    if isolation.is_root() and isolation.interpreter_world_readable():
        return "uid"
    return "rlimits"


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: a full collection scans every object the process holds (a loaded
    benchmark has millions), 60-90 ms at a time with the GIL held, while the workers wait for their next task.

    Scoring creates few cycles, and most of what it allocates lives on (a benchmark's inputs, the verdicts).
    At the end, what was allocated inside goes straight to the oldest generation (`freeze` then `unfreeze`),
    so its cycles are collected by the next full collection, rather than by a young-generation pass over all
    of it the moment collection resumes (HumanEval+: 330k objects, 50 ms)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:  # unfreezing would also release what the caller froze
                gc.freeze()
                gc.unfreeze()
            gc.enable()


class _WorkerProcess:
    """One fork-server worker. Its start-up (bubblewrap, the interpreter, the harness imports: ~0.15 s) runs in
    the background until the first use, so a caller can load its benchmark and ground truth meanwhile."""

    def __init__(self, level: str):
        argv = [sys.executable, "-m", "recode.sandbox.worker", level]
        self.cmd = isolation.bwrap_command(argv) if level == "bwrap+uid" else argv
        env = dict(isolation.clean_env(), PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, cwd="/tmp" if level != "bwrap+uid" else None)
        self._level: str | None = None
        self._capacity: int | None = None

    @property
    def level(self) -> str:
        """The isolation the worker reached (it may settle for less than asked); waits for its handshake."""
        return self._handshake()

    def _handshake(self) -> str:
        if self._level is None:
            header = self.proc.stdout.read(_FRAME.size)
            if len(header) < _FRAME.size:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:]
                raise SandboxError(f"sandbox worker failed to start ({' '.join(self.cmd[:3])} ...): {err}")
            self._level = self.proc.stdout.read(_FRAME.unpack(header)[0]).decode()
        return self._level

    def run(self, task: Task, fetch: Callable[[int, list[int]], list]) -> object:
        """Send `task`, answer the worker's requests for expected encodings with `fetch`, return its result."""
        self.send(task)
        return self.receive(fetch)

    def send(self, task: Task) -> None:
        self._handshake()  # the worker's first words on its stdout
        self._write(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))

    def send_ahead(self, task: Task) -> bool:
        """Queue `task` behind the running one, if it fits in the pipe: the worker then starts it without a
        round trip, and the pool pickles it and handles the last result meanwhile. A write that could block
        would wait for the worker while the worker waits for us to read its result, hence the size check."""
        data = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
        if _FRAME.size + len(data) > self.pipe_capacity:
            return False
        self._write(data)
        return True

    def receive(self, fetch: Callable[[int, list[int]], list]) -> object:
        """The result of the oldest task sent, answering the worker's requests for expected encodings."""
        while True:
            header = self.proc.stdout.read(_REPLY.size)
            if len(header) < _REPLY.size:
                raise EOFError("sandbox worker died")
            kind, size = _REPLY.unpack(header)
            message = pickle.loads(self.proc.stdout.read(size))
            if kind != b"Q":
                return message
            self._write(pickle.dumps(fetch(*message), protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def pipe_capacity(self) -> int:
        if self._capacity is None:
            try:
                self._capacity = fcntl.fcntl(self.proc.stdin.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)
            except OSError:  # over /proc/sys/fs/pipe-max-size
                self._capacity = fcntl.fcntl(self.proc.stdin.fileno(), _F_GETPIPE_SZ)
        return self._capacity

    def _write(self, data: bytes) -> None:
        self.proc.stdin.write(_FRAME.pack(len(data)))
        self.proc.stdin.write(data)  # not joined: a task can carry megabytes of inputs
        self.proc.stdin.flush()

    def close(self) -> None:
        self.hang_up()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def hang_up(self) -> None:
        """Close the worker's stdin: it exits after its current task (EOF is its signal to stop)."""
        try:
            self.proc.stdin.close()
        except (OSError, ValueError):
            self.proc.kill()


class _Batch:
    """Shared state of one run_batch call."""

    def __init__(self, jobs: Sequence[Job], tasks: list[Task], on_job_done: Callable[[int], None] | None,
                 finish: Callable[[int, Job, _Batch], JobResult] | None = None):
        self.jobs = jobs
        # A job's result is built as soon as its last task is in, while the workers still run others.
        self.finish = finish
        self.results: list[JobResult | None] = [None] * len(jobs)
        self.lock = threading.Condition()
        # A fail-fast job split in several tasks first runs its first one alone (the probe): most wrong programs
        # fail there, and the rest of the job is then never started.
        self.probe: dict[int, Task] = {}
        for t in tasks:
            if jobs[t.job_index].fail_fast:
                self.probe.setdefault(t.job_index, t)
        self.pending = [0] * len(jobs)
        for t in tasks:
            self.pending[t.job_index] += 1
        self.probe = {j: t for j, t in self.probe.items() if self.pending[j] > 1}
        # Longest first, so the batch ends evenly. A probe goes just before the longest task of its job, which
        # waits for it: by its own estimate (one test) it would run last and hold the job's tasks to the end.
        longest: dict[int, float] = {}
        for t in tasks:
            longest[t.job_index] = max(longest.get(t.job_index, 0.0), t.estimate_s)
        self.queue = sorted(tasks, key=lambda t: (-longest[t.job_index], 0) if self.probe.get(t.job_index) is t
                            else (-t.estimate_s, 1))
        self.verdicts: list[dict[int, TestVerdict]] = [{} for _ in jobs]
        self.setup_errors: list[str | None] = [None] * len(jobs)
        self.seconds = [0.0] * len(jobs)
        self.cancelled: list[set[str]] = [set() for _ in jobs]
        self.on_job_done = on_job_done
        self.error: BaseException | None = None

    def next_task(self, after: Task | None = None) -> Task | None:
        """The longest eligible task; waits while every queued task waits for its job's probe.

        `after`: the task a worker is running; then the task to queue behind it, without waiting, or None when
        the next task in order is a probe (its job waits on it: it goes to the first free worker) or of the same
        job (a failure there would cancel it). Taking a later one instead would break the longest-first order
        and leave long tasks for the end."""
        with self.lock:
            while self.queue and self.error is None:
                for k, task in enumerate(self.queue):
                    if task.group in self.cancelled[task.job_index]:
                        del self.queue[k]
                        skipped = TestVerdict(Status.SKIPPED, detail="not run: an earlier test failed")
                        self._record(task, [skipped] * len(task.indices), None)  # shared, as in pack_verdicts
                        break
                    probe = self.probe.get(task.job_index)
                    if probe is None or probe is task:
                        if after is not None and (probe is not None or task.job_index == after.job_index):
                            return None
                        del self.queue[k]
                        return task
                else:
                    if after is not None:
                        return None
                    self.lock.wait()
            return None

    def _groups_from(self, job_index: int, group: str) -> set[str]:
        groups = getattr(self.jobs[job_index].tests, "groups", None) or [""]
        order = list(dict.fromkeys(groups))
        return set(order[order.index(group):]) if group in order else {group}

    def _record(self, task: Task, verdicts: list[TestVerdict], setup_error: str | None) -> None:
        job = task.job_index
        self.verdicts[job].update(zip(task.indices, verdicts))
        self.setup_errors[job] = self.setup_errors[job] or setup_error
        pos = _first_failure(verdicts)
        failed = None if pos is None else task.indices[pos]
        if self.jobs[job].fail_fast and failed is not None:
            groups = getattr(self.jobs[job].tests, "groups", None)
            self.cancelled[job] |= self._groups_from(job, groups[failed] if groups else task.group)
        self.pending[job] -= 1
        if self.probe.get(job) is task:
            del self.probe[job]
        self.lock.notify_all()
        if self.pending[job] == 0:
            if self.finish is not None:
                self.results[job] = self.finish(job, self.jobs[job], self)
            if self.on_job_done:
                self.on_job_done(job)

    def record(self, task: Task, verdicts: list[TestVerdict], setup_error: str | None, seconds: float) -> None:
        with self.lock:
            self.seconds[task.job_index] += seconds
            self._record(task, verdicts, setup_error)


class SandboxPool:
    """Warm sandbox workers. Use as a context manager, or call `close()`.

    Args:
        workers: number of worker processes (default: the machine's cores).
        isolation: "auto" (strongest available), "bwrap+uid", "uid" or "rlimits".
        target_task_s: estimated seconds of tests per forked process; smaller spreads slow jobs wider.
    """

    def __init__(self, workers: int | None = None, isolation: str = "auto", target_task_s: float = 1.0):
        self.requested = choose_isolation(isolation)
        self.n_workers = workers or os.cpu_count() or 1
        self.target_task_s = target_task_s
        self._level: str | None = None
        self._workers = [self._spawn() for _ in range(self.n_workers)]

    @property
    def level(self) -> str:
        """The isolation in force: what the workers reached, which may be less than requested."""
        if self._level is None:
            self._level = self._workers[0].level if self._workers else self.requested
        return self._level

    def _spawn(self) -> _WorkerProcess:
        return _WorkerProcess(self._level or self.requested)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self._workers:  # all at once, so that they exit side by side
            w.hang_up()
        for w in self._workers:
            w.close()
        self._workers = []

    def run(self, job: Job) -> JobResult:
        return self.run_batch([job])[0]

    def run_batch(self, jobs: Sequence[Job], on_job_done: Callable[[int], None] | None = None) -> list[JobResult]:
        """Run every job; results come back in the order of `jobs`. `on_job_done(i)` fires as each finishes."""
        if not self._workers:
            raise SandboxError("the sandbox pool is closed")
        tasks = [t for i, job in enumerate(jobs) for t in plan_job(i, job, self.target_task_s)]
        _ = self.level  # read here, once: the threads build results, and each owns only its worker's pipe
        batch = _Batch(jobs, tasks, on_job_done, self._result)
        for i, job in enumerate(jobs):
            if batch.pending[i] == 0 and on_job_done:
                on_job_done(i)
        threads = [threading.Thread(target=self._drive, args=(k, batch), daemon=True)
                   for k in range(len(self._workers))]
        with paused_gc():
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        if batch.error is not None:
            raise SandboxError(f"sandbox failure: {batch.error}") from batch.error
        return [batch.results[i] or self._result(i, job, batch) for i, job in enumerate(jobs)]

    def _drive(self, k: int, batch: _Batch) -> None:
        """Worker k's loop. While it runs a task, the next one waits in its pipe (see send_ahead)."""
        ahead, ahead_sent = None, False
        while (task := ahead or batch.next_task()) is not None:
            sent, ahead, ahead_sent = ahead_sent, None, False
            try:
                worker = self._workers[k]
                if not sent:
                    worker.send(task)
                if (ahead := batch.next_task(after=task)) is not None:
                    ahead_sent = worker.send_ahead(ahead)
                result = worker.receive(partial(_fetch, batch.jobs))
            except (EOFError, OSError, pickle.UnpicklingError):
                ahead_sent = False  # lost with the worker: sent again to its replacement
                result = self._retry(k, task, batch.jobs)
            except BaseException as exc:  # noqa: BLE001 - surfaced by run_batch as SandboxError
                self._fail(k, batch, exc)
                return
            try:
                batch.record(task, result.verdicts, result.setup_error, result.worker_s)
            except BaseException as exc:  # noqa: BLE001 - e.g. raised by the caller's on_job_done
                self._fail(k, batch, exc)
                return

    def _fail(self, k: int, batch: _Batch, exc: BaseException) -> None:
        """End the batch with `exc`; the other threads stop at their next task instead of waiting forever."""
        self._replace(k)  # it may be waiting for an answer that will not come, or hold a task sent ahead
        with batch.lock:
            batch.error = batch.error or exc
            batch.lock.notify_all()

    def _replace(self, k: int) -> None:
        self._workers[k].close()
        self._workers[k] = self._spawn()

    def _retry(self, k: int, task: Task, jobs: Sequence[Job]):
        """A worker that dies mid-task is replaced and the task retried once; a second death is a verdict."""
        self._replace(k)
        try:
            return self._workers[k].run(task, partial(_fetch, jobs))
        except (EOFError, OSError, pickle.UnpicklingError):
            self._replace(k)
        from recode.sandbox.worker import TaskResult

        dead = TestVerdict(Status.KILLED, detail="the sandbox worker died while running this program")
        return TaskResult(task.job_index, task.indices, [dead for _ in task.indices])

    def _result(self, i: int, job: Job, batch: _Batch) -> JobResult:
        verdict_map = batch.verdicts[i]
        n = max(verdict_map, default=-1) + 1
        if len(verdict_map) == n:
            verdicts = list(map(verdict_map.__getitem__, range(n)))
        else:
            verdicts = [verdict_map[k] if k in verdict_map else TestVerdict(Status.SKIPPED) for k in range(n)]
        first = _first_failure(verdicts)
        status = Status.PASS if first is None else verdicts[first].status
        if first is None and Status.SKIPPED in map(status_of, verdicts) or not verdicts:
            status = Status.SKIPPED if verdicts else Status.FAIL
        failure = None
        if first is not None:
            failure = {"index": first, "status": str(verdicts[first].status), "detail": verdicts[first].detail,
                       "input": _failing_input(job, first)}
        return JobResult(job.id, status, verdicts, self.level, batch.seconds[i], failure, batch.setup_errors[i])


def _fetch(jobs: Sequence[Job], job_index: int, indices: list[int]) -> list:
    """Answer to a worker's request for expected encodings that travelled as digests."""
    return [_expected_encoding(jobs[job_index].tests, i) for i in indices]


def _expected_encoding(tests, i: int) -> bytes | None:
    """Test `i`'s expected encoding, from memory or from `tests.expected_dir` (see CallTests)."""
    raw = getattr(tests, "expected_raw", None)
    if raw is None or not 0 <= i < len(raw):
        return None
    if raw[i] is not None or tests.expected_dir is None or not tests.expected_digest or not tests.expected_digest[i]:
        return raw[i]
    path = os.path.join(tests.expected_dir, tests.expected_digest[i][0].hex())
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise SandboxError(f"expected output of test {i} is missing from {tests.expected_dir} ({exc}); if it came "
                           "from the ground-truth cache, scoring again recomputes it") from exc


def _first_failure(verdicts: list[TestVerdict]) -> int | None:
    """Position of the first verdict that is neither PASS nor SKIPPED (scanned in C: tasks hold thousands)."""
    statuses = list(map(status_of, verdicts))
    if statuses.count(Status.PASS) + statuses.count(Status.SKIPPED) == len(statuses):
        return None
    return next(k for k, s in enumerate(statuses) if s is not Status.PASS and s is not Status.SKIPPED)


def _failing_input(job: Job, index: int) -> str | None:
    """What a person needs to reproduce test `index`: its arguments, its stdin, or its assert statement."""
    tests = job.tests
    if isinstance(tests, AssertTests):
        kind, first, second = parse_assert_tests(tests)[1][index]
        text = f"assert {first} == {second!r}" if kind == "eqv" else \
            f"assert {first} == {second}" if kind == "eq" else f"assert {first}" if kind == "val" else first
        return text if len(text) <= 300 else text[:297] + "..."
    inputs = getattr(tests, "inputs", None) or getattr(tests, "cases", None)
    return codec.describe(inputs[index], 300) if inputs else None
