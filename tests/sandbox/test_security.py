"""Hostile programs against the sandbox: none may pass, harm the host, or leave the pool unhealthy.

Every hostile job runs through `run_hostile`, which afterwards runs known-good jobs of all three test kinds in
the same pool (they must still pass) and, under bwrap+uid, checks that no process of the program survived.
Host-protection tests (files, network, processes) need the strong level and are skipped below it; the
`rlimits` section at the end checks what that weaker level still guarantees.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from recode.sandbox import AssertTests, CallTests, Job, JobResult, Limits, SandboxPool, Status, StdioTests
from recode.sandbox.isolation import clean_env

REPO = Path(__file__).resolve().parents[2]
# Small limits keep the file fast: a timeout costs half a second, a memory bomb stops at 512 MiB.
LIMITS = Limits(time_floor_s=0.2, default_time_s=0.5, setup_time_s=1.0, memory_mb=512, max_output_mb=4)
# For programs that must first do real work before they hit the limit under test (memory, stack).
ROOMY = replace(LIMITS, default_time_s=4.0)
NOT_PASS = {Status.FAIL, Status.TIMEOUT, Status.RUNTIME_ERROR, Status.MEMORY_EXCEEDED, Status.OUTPUT_EXCEEDED,
            Status.KILLED}

GOOD_CODE = "def f(x):\n    return x + 1\n"
GOOD_JOBS = [
    Job(code=GOOD_CODE, tests=CallTests("f", [[1], [41]], [2, 42]), limits=LIMITS, id="good-call"),
    Job(code=GOOD_CODE, tests=AssertTests("def check(candidate):\n    assert candidate(1) == 2\n"
                                          "    assert candidate(41) == 42\n", entry_point="f"),
        limits=LIMITS, id="good-assert"),
    Job(code="print(int(input()) + 1)\n", tests=StdioTests([("41\n", "42\n")]), limits=LIMITS, id="good-stdio"),
]
HUMANEVAL_CHECK = "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(41) == 42\n"
MBPP_ASSERTS = "assert f(1) == 2\nassert f(41) == 42\n"


# ---- job builders -----------------------------------------------------------------------------------------
def call_job(code: str, inputs=None, expected=(2,), limits: Limits = LIMITS) -> Job:
    inputs = inputs if inputs is not None else [[1]]
    return Job(code=textwrap.dedent(code), tests=CallTests("f", inputs, None if expected is None else list(expected)),
               limits=limits)


def humaneval_job(code: str, test_code: str = HUMANEVAL_CHECK, limits: Limits = LIMITS) -> Job:
    return Job(code=textwrap.dedent(code), tests=AssertTests(test_code, entry_point="f"), limits=limits)


def mbpp_job(code: str, test_code: str = MBPP_ASSERTS, limits: Limits = LIMITS) -> Job:
    return Job(code=textwrap.dedent(code), tests=AssertTests(test_code), limits=limits)


def stdio_job(code: str, stdin: str = "41\n", stdout: str = "42\n", limits: Limits = LIMITS) -> Job:
    return Job(code=textwrap.dedent(code), tests=StdioTests([(stdin, stdout)]), limits=limits)


# ---- host-side observation --------------------------------------------------------------------------------
def _proc_table() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, state, real uid) for every process we can see."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue  # exited while we looked
        table[int(entry)] = (int(fields["PPid"]), fields["State"].split()[0], int(fields["Uid"].split()[0]))
    return table


def sandbox_processes() -> list[int]:
    """Live (non-zombie) descendants of this test process that run under another uid: sandboxed programs."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [os.getpid()]
    while stack:
        for pid in children.get(stack.pop(), []):
            stack.append(pid)
            _, state, uid = table[pid]
            if uid != os.getuid() and state != "Z":
                found.append(pid)
    return found


def marked_processes(marker: str) -> list[int]:
    """Live processes whose command line holds `marker` (a zombie's command line reads empty)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def wait_until_gone(probe, timeout: float = 5.0) -> list[int]:
    """SIGKILL is delivered asynchronously, so a killed process may linger for a moment: poll, bounded."""
    deadline = time.monotonic() + timeout
    while (left := probe()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def assert_healthy(pool: SandboxPool) -> None:
    good = pool.run_batch(GOOD_JOBS)
    assert [g.status for g in good] == [Status.PASS] * len(GOOD_JOBS), [g.to_dict() for g in good]


def run_hostile(pool: SandboxPool, job: Job) -> JobResult:
    """Run one hostile job, prove (under uids) that none of its processes survived, and that the pool is healthy.

    Leftovers are looked for before the good jobs run: a later job's cleanup must not hide a failed one.
    """
    [result] = pool.run_batch([job])
    if pool.level == "bwrap+uid":
        assert wait_until_gone(sandbox_processes) == [], "a sandboxed process outlived its job"
    assert_healthy(pool)
    return result


def expect(pool: SandboxPool, job: Job, status: Status) -> JobResult:
    result = run_hostile(pool, job)
    assert result.status is status, result.to_dict()
    return result


def record(pool: SandboxPool, code: str, limits: Limits = LIMITS):
    """Run `f()` and return what it returned (a recording job: the sandbox judges nothing)."""
    result = run_hostile(pool, call_job(code, inputs=[[]], expected=None, limits=limits))
    assert result.status is Status.PASS, result.to_dict()
    return result.tests[0].output


@pytest.fixture
def strict(pool):
    """Tests of host protection need namespaces and a uid of the program's own."""
    if pool.level != "bwrap+uid":
        pytest.skip(f"needs bwrap+uid isolation, this machine offers {pool.level}")
    return pool


def test_isolation_level_is_reported(pool):
    result = run_hostile(pool, call_job(GOOD_CODE))
    assert result.status is Status.PASS
    assert result.isolation == pool.level
    if not (shutil.which("bwrap") and os.geteuid() == 0):
        pytest.skip("bwrap+uid needs bubblewrap and root")
    assert result.isolation == "bwrap+uid"


def test_known_good_jobs_pass(pool):
    """The health check itself must be able to pass, or every test below would be vacuous."""
    assert [r.status for r in pool.run_batch(GOOD_JOBS)] == [Status.PASS] * 3


# ---- resources --------------------------------------------------------------------------------------------
FORK_BOMB = """
    import os
    def f(x):
        while True:
            try:
                os.fork()
            except OSError:
                pass
"""


def test_fork_bomb_times_out(pool):
    expect(pool, call_job(FORK_BOMB), Status.TIMEOUT)


def test_fork_bomb_in_stdio_program_times_out(pool):
    expect(pool, stdio_job("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"),
           Status.TIMEOUT)


def test_process_count_is_limited(strict):
    """RLIMIT_NPROC holds for the program's own uid: it cannot have more than max_processes processes."""
    forked = record(strict, """
        import os, time
        def f():
            n = 0
            for _ in range(200):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(60)  # stay alive, so each fork counts against the limit
                    os._exit(0)
                n += 1
            return n
    """)
    assert 0 < forked < LIMITS.max_processes


@pytest.mark.parametrize("code", [
    "def f(x):\n    return len([0] * 10**10)\n",
    "def f(x):\n    return len(bytearray(10**10))\n",
    "def f(x):\n    hog = []\n    while True:\n        hog.append('x' * (32 << 20))\n",
], ids=["list", "bytearray", "growing"])
def test_memory_bomb(pool, code):
    expect(pool, call_job(code, limits=ROOMY), Status.MEMORY_EXCEEDED)


def test_memory_bomb_in_stdio_program(pool):
    expect(pool, stdio_job("hog = [0] * 10**10\n", limits=ROOMY), Status.MEMORY_EXCEEDED)


@pytest.mark.parametrize("job", [
    call_job("def f(x):\n    while True:\n        pass\n"),
    call_job("while True:\n    pass\ndef f(x):\n    return x + 1\n"),
    humaneval_job("def f(x):\n    while True:\n        pass\n"),
    mbpp_job("def f(x):\n    while True:\n        pass\n"),
    stdio_job("while True:\n    pass\n"),
], ids=["call", "call-setup", "humaneval", "mbpp", "stdio"])
def test_infinite_loop_times_out(pool, job):
    expect(pool, job, Status.TIMEOUT)


def test_deep_python_recursion(pool):
    # Python-level recursion ends in a MemoryError, a crash or the time limit, depending on the interpreter.
    result = run_hostile(pool, call_job("""
        import sys
        sys.setrecursionlimit(10**9)
        def f(x):
            return f(x + 1) + 1
    """))
    assert result.status in {Status.TIMEOUT, Status.MEMORY_EXCEEDED, Status.KILLED, Status.RUNTIME_ERROR}


def test_deep_c_recursion_crashes_only_the_program(pool):
    # repr of a deeply nested list recurses in C: with the recursion limit lifted, the C stack overflows.
    expect(pool, call_job("""
        import sys
        sys.setrecursionlimit(10**9)
        def f(x):
            nested = []
            for _ in range(10**6):
                nested = [nested]
            return len(repr(nested))
    """, limits=ROOMY), Status.KILLED)


@pytest.mark.parametrize("job", [
    call_job("""
        import signal
        for s in (signal.SIGTERM, signal.SIGALRM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
            signal.signal(s, signal.SIG_IGN)
        def f(x):
            while True:
                pass
    """),
    stdio_job("""
        import signal
        def stay(*_):
            pass
        for s in (signal.SIGTERM, signal.SIGALRM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, stay)
        signal.alarm(1)
        while True:
            pass
    """),
], ids=["ignore", "handlers"])
def test_signal_handlers_do_not_escape_the_time_limit(pool, job):
    expect(pool, job, Status.TIMEOUT)


# ---- output -----------------------------------------------------------------------------------------------
def test_stdout_flood_in_call_mode_times_out(pool):
    expect(pool, call_job("def f(x):\n    while True:\n        print('x' * 10000)\n"), Status.TIMEOUT)


@pytest.mark.parametrize("code", [
    "while True:\n    print('x' * 10000)\n",
    "import os\nwhile True:\n    os.write(1, b'x' * 10000)\n",
    "import sys\ntry:\n    while True:\n        print('x' * 10000)\nexcept OSError:\n    print(42)\n",
], ids=["print", "os.write", "caught"])
def test_stdout_flood_in_stdio_mode(pool, code):
    expect(pool, stdio_job(code), Status.OUTPUT_EXCEEDED)


def test_stderr_flood_in_stdio_mode_times_out(pool):
    # stderr is not judged, so it is not kept either: flooding it only burns the program's time.
    expect(pool, stdio_job("import sys\nwhile True:\n    sys.stderr.write('x' * 10000)\n"), Status.TIMEOUT)


def test_huge_return_value(pool):
    # A return value over the output limit is not sent back; only its digest is, and that matches no answer.
    expect(pool, call_job("def f(x):\n    return 'x' * (8 << 20)\n"), Status.FAIL)


def test_huge_value_in_assert(pool):
    expect(pool, humaneval_job("def f(x):\n    return 'x' * (8 << 20)\n"), Status.OUTPUT_EXCEEDED)


def test_huge_file_in_workdir(pool):
    expect(pool, call_job("def f(x):\n    open('big', 'wb').write(b'x' * (8 << 20))\n    return x + 1\n"),
           Status.OUTPUT_EXCEEDED)


# ---- filesystem -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["/tmp", "repo", "package", "venv", "/etc", "/"])
def test_cannot_write_outside_workdir(strict, where):
    folder = {"repo": str(REPO), "package": str(REPO / "recode"), "venv": sys.prefix}.get(where, where)
    target = os.path.join(folder, f"recode-pwned-{uuid.uuid4().hex}")
    try:
        result = expect(strict, call_job(f"def f(x):\n    open({target!r}, 'w').write('pwned')\n    return x + 1\n"),
                        Status.RUNTIME_ERROR)
        assert "Error" in result.tests[0].detail
        assert not os.path.exists(target)
    finally:
        if os.path.exists(target):
            os.remove(target)


def test_workdir_is_private_and_does_not_persist(strict):
    cwd = record(strict, "import os\ndef f():\n    open('state', 'w').write('left behind')\n    return os.getcwd()\n")
    assert not os.path.exists(os.path.join(cwd, "state"))  # the workdir is not on the host
    result = expect(strict, call_job(f"def f(x):\n    return open({cwd + '/state'!r}).read()\n", expected=["left behind"]),
                    Status.RUNTIME_ERROR)
    assert "FileNotFoundError" in result.tests[0].detail or "PermissionError" in result.tests[0].detail


def test_cannot_delete_host_files(strict, tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    result = expect(strict, call_job(f"import shutil\ndef f(x):\n    shutil.rmtree({str(tmp_path)!r})\n    return x + 1\n"),
                    Status.RUNTIME_ERROR)
    assert (tmp_path / "keep.txt").read_text() == "precious", result.to_dict()


def test_cannot_delete_files_it_can_see(strict):
    """The interpreter's folders are visible to the program, but read-only."""
    folder = tempfile.mkdtemp(prefix=".recode-canary-", dir=sys.prefix)
    canary = os.path.join(folder, "canary.txt")
    Path(canary).write_text("precious")
    try:
        result = expect(strict, call_job(f"""
            import os, shutil
            def f(x):
                assert open({canary!r}).read() == "precious"  # visible...
                try:
                    os.remove({canary!r})  # ...but not removable
                finally:
                    shutil.rmtree({folder!r})
                return x + 1
        """), Status.RUNTIME_ERROR)
        assert "AssertionError" not in result.tests[0].detail and "No such file" not in result.tests[0].detail
        assert Path(canary).read_text() == "precious"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_output_file_swapped_for_a_symlink(strict):
    """The worker reads the program's stdout as root: a symlink planted in its place must not be followed."""
    result = expect(strict, stdio_job("""
        import os
        os.remove('.stdout')
        os.symlink('/proc/%d/environ' % os.getppid(), '.stdout')  # the worker's environment, root-only
    """), Status.FAIL)
    assert "PATH" not in result.tests[0].detail, result.tests[0].detail


# ---- secrets and the host's view ---------------------------------------------------------------------------
SECRET_NAME = "RECODE_TEST_SECRET_TOKEN"


def test_caller_environment_is_invisible(monkeypatch):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    monkeypatch.setenv(SECRET_NAME, secret)  # set before the pool starts, so its workers could inherit it
    hunt = f"""
        import glob, os
        def f(*_):
            for name in [*glob.glob('/proc/*/environ'), *glob.glob('/proc/*/cmdline')]:
                try:
                    data = open(name, 'rb').read().decode(errors='replace')
                except OSError:
                    continue
                if {secret!r} in data:
                    return {secret!r}
            return os.environ.get({SECRET_NAME!r}, 'not found')
    """
    with SandboxPool(workers=1) as fresh:
        result = expect(fresh, call_job(hunt, expected=[secret]), Status.FAIL)
        assert result.tests[0].detail.endswith("got 'not found'"), result.to_dict()
        stdio = stdio_job("import os\nprint(os.environ.get('RECODE_TEST_SECRET_TOKEN', 'none'))\n", stdout=secret)
        expect(fresh, stdio, Status.FAIL)
        env = record(fresh, "import os\ndef f():\n    return dict(os.environ)\n")
    assert SECRET_NAME not in env and secret not in repr(env)
    # Only the sandbox's fixed environment, plus TMPDIR pointing at the program's own workdir.
    assert set(env) <= {*clean_env(), "TMPDIR"}, "the program sees some of the caller's variables"
    assert env.get("TMPDIR") != os.environ.get("TMPDIR")


def test_correct_program_sees_nothing_of_the_host(strict, tmp_path):
    (tmp_path / "host-only.txt").write_text("host")
    seen = record(strict, f"""
        import os
        def f():
            listed = {{}}
            for folder in [{str(REPO.parent)!r}, '/root', '/home', {str(REPO)!r}, {str(REPO / 'tests')!r}, '/etc']:
                try:
                    listed[folder] = os.listdir(folder)
                except OSError:
                    listed[folder] = []
            files = [{str(tmp_path / 'host-only.txt')!r}, {str(REPO / 'pyproject.toml')!r}, {__file__!r},
                     '/etc/passwd', '/etc/hostname', '/etc/resolv.conf', '/root/.bash_history']
            return listed, [p for p in files if os.path.exists(p)]
    """)
    listed, visible = seen
    assert listed == {k: [] for k in listed}, listed
    assert visible == []


# ---- network ----------------------------------------------------------------------------------------------
@pytest.fixture
def tcp_server():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.setblocking(False)
    yield srv
    srv.close()


def test_tcp_connection_to_the_host(strict, tcp_server):
    port = tcp_server.getsockname()[1]
    result = expect(strict, call_job(f"""
        import socket
        def f(x):
            conn = socket.create_connection(('127.0.0.1', {port}), timeout=0.3)
            conn.sendall(b'exfiltrated')
            return x + 1
    """), Status.RUNTIME_ERROR)
    assert "Connection" in result.tests[0].detail or "unreachable" in result.tests[0].detail
    with pytest.raises(BlockingIOError):  # connect() is synchronous: a connection would be queued by now
        tcp_server.accept()


def test_udp_to_the_host(strict):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setblocking(False)
    port = receiver.getsockname()[1]
    try:
        result = run_hostile(strict, call_job(f"""
            import socket
            def f(x):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(0.2)
                s.sendto(b'exfiltrated', ('127.0.0.1', {port}))
                return s.recv(100)  # waits for an answer that never comes
        """))
        assert result.status in NOT_PASS
        with pytest.raises(BlockingIOError):  # loopback delivery is synchronous: a datagram would be here
            receiver.recv(100)
    finally:
        receiver.close()


def test_dns_does_not_resolve(strict):
    result = expect(strict, call_job("import socket\ndef f(x):\n    return len(socket.getaddrinfo('pypi.org', 443))\n"),
                    Status.RUNTIME_ERROR)
    assert "gaierror" in result.tests[0].detail


def test_only_loopback_interface(strict):
    assert record(strict, "import socket\ndef f():\n    return [name for _, name in socket.if_nameindex()]\n") == ["lo"]


# ---- threads and daemons ----------------------------------------------------------------------------------
def test_thread_left_running_does_not_hang_the_job(pool):
    # A non-daemon thread would keep a normal interpreter alive; the job must still end with its verdict.
    expect(pool, call_job("""
        import threading
        def spin():
            while True:
                pass
        def f(x):
            threading.Thread(target=spin).start()
            return x + 1
    """), Status.PASS)


def test_thread_cannot_print_after_the_program_ends(pool):
    # The verdict is taken when the program's main code ends; a thread still running cannot add output.
    expect(pool, stdio_job("""
        import threading, time
        def late():
            time.sleep(0.2)  # outlive the main thread
            print(42, flush=True)
        threading.Thread(target=late).start()
    """), Status.FAIL)


DAEMON = """
    import os, subprocess, sys, time
    def spawn():
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}])
            os._exit(0)
        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 5  # wait until both daemons run, so the test is not vacuous
        while time.time() < deadline:
            alive = 0
            for p in os.listdir('/proc'):
                try:
                    alive += p.isdigit() and {marker!r}.encode() in open('/proc/' + p + '/cmdline', 'rb').read()
                except OSError:
                    pass
            if alive >= 2:
                return True
        return False
"""


@pytest.mark.parametrize("kind", ["call", "stdio"])
def test_daemons_do_not_survive_the_job(pool, kind):
    marker = f"recode-daemon-{uuid.uuid4().hex}"
    code = textwrap.dedent(DAEMON.format(marker=marker))
    if kind == "call":
        job = call_job(code + "def f(x):\n    return spawn()\n", expected=[False], limits=ROOMY)
    else:
        job = stdio_job(code + "print(spawn())\n", stdout="False\n", limits=ROOMY)
    [result] = pool.run_batch([job])
    assert wait_until_gone(lambda: marked_processes(marker)) == []
    assert result.status is Status.FAIL, result.to_dict()  # not a timeout: spawn() saw both daemons run
    assert_healthy(pool)


def test_daemon_cannot_write_output_after_the_program_ends(pool):
    expect(pool, stdio_job("""
        import os, sys, time
        if os.fork() == 0:
            os.setsid()
            time.sleep(0.2)  # outlive the program, keep its stdout open
            os.write(1, b'42\\n')
            os._exit(0)
    """), Status.FAIL)


def test_kill_all_reaches_only_its_own_processes(strict):
    # kill(-1) under the program's uid, while the other worker runs a program that sleeps so as to be alive
    # then: that program (another uid), the workers and this test process must all be out of reach.
    slow = call_job("import time\ndef f(x):\n    time.sleep(0.3)\n    return x + 1\n", limits=ROOMY)
    killer = call_job("import os, signal\ndef f(x):\n    os.kill(-1, signal.SIGKILL)\n    return x + 1\n")
    results = strict.run_batch([slow, killer])
    assert results[0].status is Status.PASS, results[0].to_dict()
    assert wait_until_gone(sandbox_processes) == []
    assert_healthy(strict)


# ---- exit tricks ------------------------------------------------------------------------------------------
EXITS = {
    "sys.exit": ("import sys\n", "sys.exit(0)", Status.RUNTIME_ERROR),
    "exit": ("", "exit()", Status.RUNTIME_ERROR),
    "quit": ("", "quit()", Status.RUNTIME_ERROR),
    "SystemExit": ("", "raise SystemExit", Status.RUNTIME_ERROR),
    "os._exit": ("import os\n", "os._exit(0)", Status.KILLED),
    "SIGKILL-self": ("import os\n", "os.kill(os.getpid(), 9)", Status.KILLED),
}


@pytest.mark.parametrize("name", EXITS)
@pytest.mark.parametrize("kind", ["call", "call-setup", "humaneval", "mbpp"])
def test_exit_tricks(pool, name, kind):
    imports, stmt, status = EXITS[name]
    in_function = imports + f"def f(x):\n    {stmt}\n    return x + 1\n"
    builders = {"call": lambda: call_job(in_function), "humaneval": lambda: humaneval_job(in_function),
                "mbpp": lambda: mbpp_job(in_function),
                "call-setup": lambda: call_job(imports + stmt + "\n" + GOOD_CODE)}
    expect(pool, builders[kind](), status)


@pytest.mark.parametrize("code", [
    "import sys\nsys.exit(0)\n",
    "import os\nos._exit(0)\n",
    "print('All tests passed')\nraise SystemExit(0)\n",
    "import os\nprint('PASS', flush=True)\nos._exit(0)\n",
], ids=["sys.exit", "os._exit", "fake-success", "fake-PASS"])
def test_exit_tricks_in_stdio_programs(pool, code):
    expect(pool, stdio_job(code), Status.FAIL)


def test_killing_the_worker_is_not_allowed(strict):
    result = expect(strict, call_job("import os\ndef f(x):\n    os.kill(os.getppid(), 9)\n    return x + 1\n"),
                    Status.RUNTIME_ERROR)
    assert "PermissionError" in result.tests[0].detail


@pytest.mark.parametrize("code", [
    "import atexit\natexit.register(lambda: print(42))\n",
    "import atexit, os\natexit.register(lambda: os.write(1, b'42\\n'))\nraise SystemExit(3)\n",
], ids=["print", "after-failure"])
def test_atexit_handlers_do_not_run(pool, code):
    result = run_hostile(pool, stdio_job(code))
    assert result.status in {Status.FAIL, Status.RUNTIME_ERROR}, result.to_dict()


def test_atexit_handler_in_call_mode(pool):
    expect(pool, call_job("import atexit\natexit.register(print, 'All tests passed')\ndef f(x):\n    return None\n"),
           Status.FAIL)


# ---- fooling the judge --------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [
    "import builtins\nbuiltins.abs = lambda x: 0\n",
    "import math\nmath.isclose = lambda *a, **k: True\n",
    "import builtins\nclass Never(Exception):\n    pass\nbuiltins.AssertionError = Never\n",
    "import builtins\ndef f(x):\n    builtins.abs = lambda x: 0\n    return x + 1\n",
], ids=["abs", "math.isclose", "AssertionError", "abs-during-test"])
@pytest.mark.parametrize("kind", ["humaneval", "mbpp"])
def test_patching_test_helpers_is_tampering(pool, code, kind):
    # f is right, so tampering is the only reason to fail.
    code = GOOD_CODE + code
    if kind == "humaneval":
        job = humaneval_job(code, "import math\ndef check(candidate):\n    assert abs(candidate(1) - 2) < 1e-9\n"
                                  "    assert math.isclose(candidate(41), 42)\n")
    else:
        job = mbpp_job(code, "import math\nassert abs(f(1) - 2) < 1e-9\nassert math.isclose(f(41), 42)\n")
    result = expect(pool, job, Status.FAIL)
    assert "tampering" in result.tests[0].detail


def test_redefining_check_and_candidate(pool):
    code = "def check(candidate):\n    pass\ncandidate = lambda x: x + 1\ndef f(x):\n    return 0\n"
    expect(pool, humaneval_job(code), Status.FAIL)
    expect(pool, humaneval_job(code + "check(candidate)\n"), Status.FAIL)


@pytest.mark.parametrize("job", [
    call_job("def f(x):\n    print('All tests passed')\n    print('PASS')\n    return 0\n"),
    humaneval_job("print('All tests passed')\ndef f(x):\n    print('PASS')\n    return 0\n"),
    mbpp_job("def f(x):\n    print('All tests passed')\n    return 0\n"),
    stdio_job("print('All tests passed')\nprint('PASS')\n"),
], ids=["call", "humaneval", "mbpp", "stdio"])
def test_fake_success_lines(pool, job):
    expect(pool, job, Status.FAIL)


@pytest.mark.parametrize("job, status", [
    (call_job("import os\ndef f(x):\n    os.close(1)\n    os.close(2)\n    return 0\n"), Status.FAIL),
    (call_job("import sys\ndef f(x):\n    sys.stdout.close()\n    return 0\n"), Status.FAIL),
    (call_job("import os\ndef f(x):\n    os.closerange(0, 4096)\n    return x + 1\n"), Status.KILLED),
    # Closing stdout is an error or merely a wrong answer (41 is wrong either way).
    (stdio_job("import sys\nprint(41)\nsys.stdout.close()\n"), {Status.RUNTIME_ERROR, Status.FAIL}),
    (stdio_job("import os\nprint(41)\nos.close(1)\n"), {Status.RUNTIME_ERROR, Status.FAIL}),
    (stdio_job("import os\nos.closerange(0, 4096)\nprint(42)\n"), Status.KILLED),
], ids=["call-close-1-2", "call-sys.stdout", "call-close-all", "stdio-sys.stdout", "stdio-close-1", "stdio-close-all"])
def test_closing_output(pool, job, status):
    if isinstance(status, set):
        assert run_hostile(pool, job).status in status
    else:
        expect(pool, job, status)


EQ_TRICKS = {
    "object": "class Cheat:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n"
              "        return False\n    __hash__ = object.__hash__\nVALUE = Cheat()\n",
    "int": "class Cheat(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
           "VALUE = Cheat(7)\n",
    "str": "class Cheat(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
           "VALUE = Cheat('x')\n",
    "list": "class Cheat(list):\n    def __eq__(self, other):\n        return True\nVALUE = Cheat()\n",
    "nested": "class Cheat:\n    def __eq__(self, other):\n        return True\nVALUE = [Cheat()]\n",
}


@pytest.mark.parametrize("trick", EQ_TRICKS)
@pytest.mark.parametrize("kind", ["call", "humaneval", "mbpp"])
def test_always_equal_objects(pool, trick, kind):
    code = EQ_TRICKS[trick] + "def f(x):\n    return VALUE\n"
    job = {"call": lambda: call_job(code, inputs=[[1], [41]], expected=[2, 42]),
           "humaneval": lambda: humaneval_job(code), "mbpp": lambda: mbpp_job(code)}[kind]()
    expect(pool, job, Status.FAIL)


def test_always_equal_objects_against_every_expected_type(pool):
    code = EQ_TRICKS["object"] + "def f(x):\n    return VALUE\n"
    for expected in [None, True, 0, 0.5, "x", [1], (1,), {"a": 1}, {1}]:
        expect(pool, call_job(code, expected=[expected]), Status.FAIL)


@pytest.mark.parametrize("job", [
    call_job("""
        import gc, sys
        def f(x):
            frame = sys._getframe(1)
            while frame is not None:  # the harness's frames hold the task
                task = frame.f_locals.get('task')
                if getattr(task, 'expected', None):
                    return task.expected[0]
                frame = frame.f_back
            for obj in gc.get_objects():
                if type(obj).__name__ == 'Task' and obj.expected:
                    return obj.expected[0]
    """, expected=["secret answer"]),
    stdio_job("""
        import gc, sys
        def find():
            frame = sys._getframe(1)
            while frame is not None:
                task = frame.f_locals.get('task')
                if getattr(task, 'expected_stdout', None):
                    return task.expected_stdout
                frame = frame.f_back
            for obj in gc.get_objects():
                if type(obj).__name__ == 'Task' and obj.expected_stdout:
                    return obj.expected_stdout
        print(find())
    """, stdout="secret answer"),
], ids=["call", "stdio"])
def test_expected_answers_are_not_in_the_program_process(pool, job):
    expect(pool, job, Status.FAIL)


def test_garbage_on_every_descriptor(pool):
    # Writes into the private result pipe too: a malformed frame is a protocol violation, never a pass.
    for junk in [b"R\x08\x00\x00\x00notmarsh", b"\xff" * 64]:
        result = run_hostile(pool, call_job(f"""
            import os
            def f(x):
                for fd in range(64):
                    try:
                        os.write(fd, {junk!r})
                    except OSError:
                        pass
                return x + 1
        """))
        assert result.status in NOT_PASS, result.to_dict()


# ---- correct programs are not harmed -----------------------------------------------------------------------
def test_correct_program_can_import_the_standard_library(pool):
    # Modules the worker has not imported itself are read from disk under the program's uid.
    code = "import heapq, json, fractions, decimal, statistics, string, socket, collections\n" + GOOD_CODE
    assert [r.status for r in pool.run_batch([call_job(code), humaneval_job(code)])] == [Status.PASS] * 2
    stdio = stdio_job("import heapq, json, fractions\nprint(json.loads(input()) + 1)\n")
    assert pool.run_batch([stdio])[0].status is Status.PASS


def test_correct_program_may_write_to_stderr(pool):
    job = stdio_job("import sys\nprint('debug: reading', file=sys.stderr)\nprint(int(input()) + 1)\n")
    assert run_hostile(pool, job).status is Status.PASS


def test_correct_program_may_use_temporary_files(pool):
    job = call_job("""
        import os, tempfile
        def f(x):
            with tempfile.TemporaryDirectory() as d, open(os.path.join(d, 'n'), 'w') as out:
                out.write(str(x + 1))
            with open(os.path.abspath('here'), 'w') as out:  # its workdir, by absolute path
                out.write(str(x + 1))
            return int(open('here').read())
    """)
    assert run_hostile(pool, job).status is Status.PASS


# ---- the weaker `rlimits` level ---------------------------------------------------------------------------
def test_rlimits_level_is_reported(rlimits_pool):
    result = run_hostile(rlimits_pool, call_job(GOOD_CODE))
    assert (result.status, result.isolation) == (Status.PASS, "rlimits")


@pytest.mark.parametrize("job", [
    call_job("def f(x):\n    while True:\n        pass\n"),
    humaneval_job("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ndef f(x):\n    while True:\n"
                  "        pass\n"),
    stdio_job("while True:\n    pass\n"),
], ids=["call", "humaneval-sigterm", "stdio"])
def test_rlimits_timeouts(rlimits_pool, job):
    expect(rlimits_pool, job, Status.TIMEOUT)


@pytest.mark.parametrize("name", EXITS)
def test_rlimits_exit_tricks(rlimits_pool, name):
    imports, stmt, status = EXITS[name]
    expect(rlimits_pool, call_job(imports + f"def f(x):\n    {stmt}\n    return x + 1\n"), status)
    expect(rlimits_pool, mbpp_job(imports + f"def f(x):\n    {stmt}\n    return x + 1\n"), status)


@pytest.mark.parametrize("trick", EQ_TRICKS)
def test_rlimits_always_equal_objects(rlimits_pool, trick):
    code = EQ_TRICKS[trick] + "def f(x):\n    return VALUE\n"
    expect(rlimits_pool, call_job(code, inputs=[[1], [41]], expected=[2, 42]), Status.FAIL)
    expect(rlimits_pool, humaneval_job(code), Status.FAIL)


def test_rlimits_memory_bomb(rlimits_pool):
    expect(rlimits_pool, call_job("def f(x):\n    return len(bytearray(10**10))\n"), Status.MEMORY_EXCEEDED)


def test_rlimits_killing_the_worker(rlimits_pool):
    # Without a uid of its own the program can kill its worker: the pool replaces it and reports the job.
    result = expect(rlimits_pool, call_job("import os\ndef f(x):\n    os.kill(os.getppid(), 9)\n    return x + 1\n"),
                    Status.KILLED)
    assert "worker died" in result.tests[0].detail


def test_a_task_queued_behind_one_that_kills_its_worker_still_runs():
    # The pool sends each worker its next task ahead; a worker that dies takes that task with it.
    killer = call_job("import os\ndef f(x):\n    os.kill(os.getppid(), 9)\n    return x + 1\n")
    with SandboxPool(workers=1, isolation="rlimits") as pool:
        results = pool.run_batch([call_job(GOOD_CODE), killer, call_job(GOOD_CODE), call_job(GOOD_CODE)])
    assert [r.status for r in results] == [Status.PASS, Status.KILLED, Status.PASS, Status.PASS]


def test_rlimits_daemons_do_not_survive(rlimits_pool):
    marker = f"recode-daemon-{uuid.uuid4().hex}"
    job = call_job(textwrap.dedent(DAEMON.format(marker=marker)) + "def f(x):\n    return spawn()\n",
                   expected=[False], limits=ROOMY)
    [result] = rlimits_pool.run_batch([job])
    assert wait_until_gone(lambda: marked_processes(marker)) == []
    assert result.status is Status.FAIL, result.to_dict()  # not a timeout: spawn() saw both daemons run
    assert_healthy(rlimits_pool)
