"""The fork server: a warm process that has imported the harness and forks one child per task.

Run as `python -m recode.sandbox.worker` (inside bubblewrap when available). It reads pickled `Task`s from
the pool on its stdin and answers pickled `TaskResult`s on its stdout (frames `kind(1) | length(4) | pickle`:
`R` a result; `Q` a request for expected encodings that were shipped as digests, answered on stdin, where the
next task may already wait in front of the answer: the pool sends one task ahead). Everything
the child sends is decoded as plain data and judged here; the child never decides a verdict.
"""

from __future__ import annotations

import fcntl
import gc
import math
import mmap
import os
import pickle
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field

from recode.sandbox import child as child_mod
from recode.sandbox import codec, isolation, judge
from recode.sandbox.compare import BYTE_EXACT_ORACLES, STDOUT_COMPARES
from recode.sandbox.plan import Task
from recode.sandbox.types import Status, TestVerdict, pack_verdicts, unpack_verdicts

_FRAME = struct.Struct("<I")
_REPLY = struct.Struct("<cI")
_READ_CHUNK = 1 << 20
_TRIM_AFTER_BYTES = 8 << 20
_F_SETPIPE_SZ = 1031  # fcntl: a 1 MiB pipe carries a batch of results in one write instead of sixteen
_SIGNAL_STATUS = {signal.SIGXCPU: Status.TIMEOUT, signal.SIGXFSZ: Status.OUTPUT_EXCEEDED}


@dataclass
class TaskResult:
    job_index: int
    indices: list[int]
    verdicts: list[TestVerdict]
    setup_error: str | None = None
    worker_s: float = 0.0

    def __reduce__(self):
        return (_task_result, (self.job_index, self.indices, pack_verdicts(self.verdicts), self.setup_error,
                               self.worker_s))


def _task_result(job_index, indices, packed, setup_error, worker_s) -> TaskResult:
    return TaskResult(job_index, indices, unpack_verdicts(packed), setup_error, worker_s)


@dataclass
class _Run:
    """What the worker has observed of one child so far."""

    task: Task
    verdicts: dict[int, TestVerdict] = field(default_factory=dict)
    setup_error: str | None = None
    done: bool = False
    abort: TestVerdict | None = None  # a verdict that ends the run (timeout, tampering, protocol)
    hung: int | None = None  # position of the test that timed out, when known
    positions: dict[int, int] = field(default_factory=dict)  # test index -> position in the task
    reply_fd: int | None = None  # where digest offers are answered

    def __post_init__(self) -> None:
        self.positions = {i: k for k, i in enumerate(self.task.indices)}

    @property
    def next_pos(self) -> int:
        return len(self.verdicts)


class Worker:
    """Args:
        level: the isolation level in force.
        fetch_expected: (job index, test indices) -> their expected encodings (None where there is none), for
            tests whose expected output was shipped as a digest and did not match; by default none are fetched.
    """

    def __init__(self, level: str, fetch_expected=None):
        self.level = level
        self.fetch_expected = fetch_expected
        self.privileged = level in ("bwrap+uid", "uid")
        self.uid = isolation.new_uid() if self.privileged else None
        self.tmp = tempfile.mkdtemp(prefix="recode-worker-")
        os.chmod(self.tmp, 0o711)  # the program's uid must reach its workdir by absolute path (tempfile, abspath)
        self._tasks_run = 0
        self._env_clean = False
        child_mod.snapshot()
        self._chunk = bytearray(_READ_CHUNK)  # the read buffer, allocated once: zeroing 1 MiB per task costs ~1 ms

    def clean_environment(self) -> None:
        """Keep only the programs' environment in this process too (once nothing left to import needs more)."""
        isolation.use_clean_env(self.tmp)
        self._env_clean = True

    # ---- child side -------------------------------------------------------------------------------------
    def _start_child(self, task: Task, workdir: str, channel_w: int, reply_r: int | None, stdin_path: str | None,
                     stdout_path: str | None, progress, cpu_s: int, streams) -> None:
        """Runs in the forked child: isolate, limit, drop privileges, then run the task. Never returns."""
        try:
            os.setsid()
            isolation.die_with_parent()
            fd_in = os.open(stdin_path or os.devnull, os.O_RDONLY)
            fd_out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if stdout_path \
                else os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd_in, 0)
            os.dup2(fd_out, 1)
            # stderr is never judged: a stdio program's debug output must not end up in the stdout compared.
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
            if reply_r == 3:
                reply_r = os.dup(reply_r)  # or the next line would close it
            os.dup2(channel_w, 3)
            if reply_r is not None:
                os.dup2(reply_r, 4)
            os.closerange(5 if reply_r is not None else 4, 1 << 16)
            os.chdir(workdir)
            isolation.apply_limits(task.memory_mb, cpu_s, task.max_processes, task.max_open_files,
                                   task.max_output_mb, limit_processes=self.privileged or not isolation.is_root())
            if self.privileged:
                if stdout_path:
                    os.fchown(1, self.uid, self.uid)
                isolation.drop_privileges(self.uid)
            if self._env_clean:
                os.environ["TMPDIR"] = workdir  # checking the rest again cost ~50 page copies
            else:
                isolation.use_clean_env(workdir)
            tempfile.tempdir = workdir  # the worker cached its own choice (/tmp), which the program cannot write
            os.umask(0o077)
            sys.stdin, sys.stdout = streams
            child_mod.child_main(task, 3, progress, 4 if reply_r is not None else None)
        finally:
            os._exit(70)

    # ---- worker side ------------------------------------------------------------------------------------
    def run_task(self, task: Task) -> TaskResult:
        start = time.perf_counter()
        self._tasks_run += 1
        # Named by a counter: only this worker can create entries in its directory, and tempfile's random
        # names cost more than the mkdir.
        workdir = os.path.join(self.tmp, str(self._tasks_run))
        os.mkdir(workdir, 0o700)
        stdin_path = stdout_path = stdout_fd = None
        if task.kind == "stdio":
            stdin_path, stdout_path = os.path.join(workdir, ".stdin"), os.path.join(workdir, ".stdout")
            with open(stdin_path, "w") as f:
                f.write(task.stdin)
            # Read the output back through a descriptor of our own: the program can replace the file's name
            # (say, by a symlink to a file only root may read, which we would echo back), not the file.
            stdout_fd = os.open(stdout_path, os.O_RDONLY | os.O_CREAT, 0o600)
        if self.privileged:
            os.chown(workdir, self.uid, self.uid)
        os.chmod(workdir, 0o700)
        r, w = os.pipe()
        try:
            fcntl.fcntl(r, _F_SETPIPE_SZ, _READ_CHUNK)
        except OSError:
            pass  # over /proc/sys/fs/pipe-max-size: the default size works, in more writes
        # Answers to the child's digest offers (see child.Channel.offer_digest), one byte each.
        reply_r, reply_w = os.pipe() if task.kind == "call" else (None, None)
        progress = mmap.mmap(-1, child_mod._PROGRESS.size)  # shared with the child across fork
        # Made here rather than in the child, like the CPU limit: every object the child builds or touches
        # copies a page it shares with us, and these cost it ~80 copies (~0.3 ms) per program.
        cpu_s = math.ceil(task.setup_time_s + sum(task.time_limits)) + 1
        streams = open(0, "r", closefd=False), open(1, "w", closefd=False)  # fds 0 and 1 are the child's by then
        # Frozen objects are skipped by the child's garbage collector, so it does not touch (and copy) the
        # pages it inherited: forking stays cheap.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            self._start_child(task, workdir, w, reply_r, stdin_path, stdout_path, progress, cpu_s, streams)
        gc.unfreeze()
        os.close(w)
        run = _Run(task, reply_fd=reply_w)
        if reply_r is not None:
            os.close(reply_r)
        try:
            self._watch(run, r, progress)
        finally:
            os.close(r)
            if reply_w is not None:
                os.close(reply_w)
            status = self._stop(pid, wait_exit=not run.done and run.abort is None)
        verdicts = self._finish(run, status, stdout_fd)
        if stdout_fd is not None:
            os.close(stdout_fd)
        _remove_dir(workdir)
        return TaskResult(task.job_index, task.indices, verdicts, run.setup_error, time.perf_counter() - start)

    def _deadline(self, run: _Run, started: float, progress) -> float:
        """When the program must be stopped: the running test's limit, read from what the child published,
        but never past the task's whole budget (a program could publish a false start time)."""
        task = run.task
        budget = started + task.setup_time_s + sum(task.time_limits) + 0.5
        if task.kind == "stdio":
            return started + task.time_limits[0] + 0.5  # interpreter-side start of the program
        index, t0 = child_mod._PROGRESS.unpack_from(progress, 0)
        if index == -1:
            return min(budget, t0 + task.setup_time_s) if t0 > 0 else budget
        pos = run.positions.get(index)
        if pos is None or t0 <= 0:
            return budget
        return min(budget, t0 + task.time_limits[pos])

    def _watch(self, run: _Run, fd: int, progress) -> None:
        """Read the child's frames until it is done, dies, or misses a deadline."""
        buf, chunk = bytearray(), self._chunk
        limit = run.task.max_output_mb * 1024 * 1024 + child_mod.Channel.FLUSH_BYTES + 4096  # one batch of results
        started = time.monotonic()
        while not run.done and run.abort is None:
            wait = self._deadline(run, started, progress) - time.monotonic()
            if wait <= 0:
                index = child_mod._PROGRESS.unpack_from(progress, 0)[0]
                run.abort = TestVerdict(Status.TIMEOUT, detail="time limit exceeded")
                run.hung = run.positions.get(index)
                return
            if not select.select([fd], [], [], min(wait, 0.5))[0]:
                continue  # re-read the progress: the child may have moved on to a later test
            n = os.readv(fd, [chunk])
            if not n:
                return  # the child is gone
            buf += memoryview(chunk)[:n]
            start = 0
            while len(buf) - start >= 5 and run.abort is None and not run.done:
                kind, size = bytes(buf[start:start + 1]), struct.unpack_from("<I", buf, start + 1)[0]
                if size > limit:
                    run.abort = TestVerdict(Status.OUTPUT_EXCEEDED, detail="value sent back exceeds the output limit")
                    return
                if len(buf) - start < 5 + size:
                    break
                with memoryview(buf)[start + 5:start + 5 + size] as payload:  # in place: frames can be megabytes
                    self._on_frame(run, kind, payload)
                start += 5 + size
            del buf[:start]

    def _on_frame(self, run: _Run, kind: bytes, payload: bytes) -> None:
        try:
            data = codec.loads_untrusted(payload)
            if kind == b"B" and type(data) is list:
                # Validating each result lazily: most are outputs whose bytes equal the expected encoding.
                for item in data:
                    if run.abort is not None or run.done:
                        break
                    verdict = judge.fast_pass(run.task, len(run.verdicts), item)
                    if verdict is None:
                        self._on_result(run, codec.restore(item))
                    else:
                        run.verdicts[item[0]] = verdict
                return
            data = codec.restore(data)
        except codec.DecodeError as exc:
            run.abort = TestVerdict(Status.FAIL, detail=f"protocol violation: {exc}")
            return
        if kind == b"E":
            run.setup_error = str(data[2]) if type(data) is tuple and len(data) == 3 else "setup failed"
            name = data[1] if type(data) is tuple and len(data) == 3 else ""
            status = judge.ERR_STATUS.get(name, Status.RUNTIME_ERROR)
            run.abort = TestVerdict(Status.RUNTIME_ERROR if status is Status.FAIL else status, detail=run.setup_error)
        elif kind == b"T":
            run.abort = TestVerdict(Status.FAIL, detail=f"tampering: {data}")
        elif kind == b"D":
            run.done = True
        elif kind == b"R":
            self._on_result(run, data)
        elif kind == b"H":
            self._on_digest(run, data)
        else:
            run.abort = TestVerdict(Status.FAIL, detail="protocol violation: unknown frame")

    def _on_digest(self, run: _Run, data) -> None:
        """A large output offered as `(index, "outh", sha256, size, seconds)`: it passes if it hashes like the
        expected encoding; otherwise the child is asked for the output itself and sends it as a result."""
        task, pos = run.task, run.next_pos
        if type(data) is not tuple or len(data) != 5 or pos >= len(task.indices) or type(data[0]) is not int \
                or data[0] != task.indices[pos] or data[1] != "outh" or type(data[2]) is not bytes \
                or type(data[3]) is not int or type(data[4]) is not float or run.reply_fd is None:
            run.abort = TestVerdict(Status.FAIL, detail="protocol violation: unexpected digest")
            return
        equal = judge.shipped_as_digest(task, pos) and task.oracle in BYTE_EXACT_ORACLES \
            and (data[2], data[3]) == task.expected_digest[pos]
        if equal:
            run.verdicts[data[0]] = TestVerdict(Status.PASS, time_s=data[4])
        try:
            os.write(run.reply_fd, b"y" if equal else b"n")
        except OSError:
            pass  # the program closed its end: it will not get to send a result

    def _on_result(self, run: _Run, data) -> None:
        task, pos = run.task, run.next_pos
        if type(data) is not tuple or len(data) < 3 or pos >= len(task.indices) or data[0] != task.indices[pos] \
                or type(data[0]) is not int:
            run.abort = TestVerdict(Status.FAIL, detail="protocol violation: unexpected test result")
            return
        elapsed = data[-1] if type(data[-1]) is float else None
        if data[1] == "out" and judge.shipped_as_digest(task, pos) and self.fetch_expected is not None:
            # The output's digest differed: equal values can encode differently (1 and 1.0, dict order), and a
            # wrong one needs the expected value to be described. Fetch it once, for this test only.
            task.expected_raw[pos] = self.fetch_expected(task.job_index, [task.indices[pos]])[0]
        verdict = judge.judge(task, pos, data[1], data[2:-1])
        verdict.time_s = elapsed
        run.verdicts[task.indices[pos]] = verdict
        if task.fail_fast and verdict.status is not Status.PASS and task.kind != "stdio":
            run.done = True  # stop the program now: the remaining tests are skipped

    def _stop(self, pid: int, wait_exit: bool) -> int | None:
        """Kill the child and everything it started; return its wait status if it had exited by itself.

        `wait_exit`: the child closed its pipe without finishing, so its exit status explains why; give it a
        moment to exit (a program could close the pipe and keep running, hence no blocking wait).
        """
        status = None
        for _ in range(100 if wait_exit else 0):
            wpid, status = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                break
            status = None
            time.sleep(0.0005)
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass
        if status is None:
            _, killed = os.waitpid(pid, 0)
            status = None if os.WIFSIGNALED(killed) and os.WTERMSIG(killed) == signal.SIGKILL else killed
        # Whatever the program left behind (daemons, double forks) was re-parented to us, the subreaper. Scanning
        # /proc for them costs ~1.7 ms on a host with 70 processes, so only when something is there.
        if isolation.has_children() and isolation.descendants(os.getpid()):
            if self.privileged:
                isolation.kill_uid(self.uid)
            isolation.kill_descendants(os.getpid())
        isolation.reap()
        return status

    def _finish(self, run: _Run, status: int | None, stdout_fd: int | None) -> list[TestVerdict]:
        task = run.task
        if run.abort is None and not run.done:
            run.abort = self._death_verdict(run, status)
        if task.kind == "stdio":
            self._judge_stdout(run, stdout_fd)
        # Results arrive in test order (see _on_result), so the tests with a verdict are the first ones.
        done = len(run.verdicts)
        out = list(map(run.verdicts.__getitem__, task.indices[:done]))
        if done < len(task.indices):
            # One object for all the tests the program did not reach: pack_verdicts sends such a run once.
            stopped = TestVerdict(Status.SKIPPED, detail="no verdict: the process was stopped")
            tail = [stopped] * (len(task.indices) - done)
            hung = done if run.hung is None else run.hung
            if run.abort is not None and hung >= done:
                tail[hung - done] = run.abort
            out += tail
        if run.abort is not None and run.abort.detail and run.abort.detail.startswith("tampering"):
            out = [run.abort for _ in task.indices]
        return out

    def _death_verdict(self, run: _Run, status: int | None) -> TestVerdict:
        if run.task.kind == "stdio" and status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            run.verdicts[run.task.indices[0]] = TestVerdict(Status.PASS)  # os._exit(0) after printing: judge output
            return None
        if status is not None and os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            st = _SIGNAL_STATUS.get(sig, Status.KILLED)
            return TestVerdict(st, detail=f"killed by {signal.Signals(sig).name}")
        code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
        return TestVerdict(Status.KILLED, detail=f"the program ended (exit status {code}) before its tests finished")

    def _judge_stdout(self, run: _Run, stdout_fd: int) -> None:
        i = run.task.indices[0]
        verdict = run.verdicts.get(i)
        if verdict is None or verdict.status is not Status.PASS:
            return
        try:
            got = os.pread(stdout_fd, run.task.max_output_mb * 1024 * 1024, 0).decode("utf-8", errors="replace")
        except OSError:
            got = ""
        if not STDOUT_COMPARES[run.task.stdout_compare](got, run.task.expected_stdout or "", run.task.float_tol):
            verdict.status = Status.FAIL
            verdict.detail = f"expected stdout {codec.describe(run.task.expected_stdout)}, got {codec.describe(got)}"


def _remove_dir(path: str) -> None:
    try:
        os.rmdir(path)  # most programs write no files; rmtree's walk of an empty directory cost ~0.3 ms
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


def _read_exact(fd: int, n: int) -> bytearray | None:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = os.readv(fd, [view[got:]])  # into place: os.read(fd, n) would allocate n bytes per call
        if not k:
            return None
        got += k
    return buf


def _send(fd: int, kind: bytes, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    os.write(fd, _REPLY.pack(kind, len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int):
    header = _read_exact(fd, _FRAME.size)
    if header is None:
        return None, 0
    size = _FRAME.unpack(header)[0]
    return pickle.loads(_read_exact(fd, size)), size


def serve(level: str) -> None:
    """Answer tasks until the pool closes our stdin."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    isolation.make_worker_self_reaper()
    if level == "uid" and not isolation.unshare_network():
        level = "rlimits"

    queued: list[tuple[Task, int]] = []  # tasks the pool sent ahead, read while waiting for an answer

    def fetch_expected(job_index: int, indices: list[int]) -> list:
        _send(fd_out, b"Q", (job_index, indices))
        while isinstance((answer := _receive(fd_in))[0], Task):
            queued.append(answer)
        return answer[0]

    worker = Worker(level, fetch_expected)
    worker.clean_environment()
    os.write(fd_out, _FRAME.pack(len(level.encode())) + level.encode())
    while True:
        task, size = queued.pop(0) if queued else _receive(fd_in)
        if task is None:
            break
        _send(fd_out, b"R", worker.run_task(task))
        del task
        if size > _TRIM_AFTER_BYTES:
            # malloc keeps freed heap for reuse; every later fork would copy its page tables too.
            isolation.release_free_memory()
    shutil.rmtree(worker.tmp, ignore_errors=True)
    # Nothing is left to flush (replies go straight to the fd), and tearing the interpreter down took 15-30 ms
    # that closing the pool waits for.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    # Import under the package name so that pickled results name `recode.sandbox.worker`, not `__main__`.
    from recode.sandbox.worker import serve as _serve

    _serve(sys.argv[1] if len(sys.argv) > 1 else "rlimits")
