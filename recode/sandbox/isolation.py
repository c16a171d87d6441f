"""How far a program is kept from the host, and the system calls that do it.

Three levels, the strongest available is used and reported with every result:

- `bwrap+uid`: each worker lives in bubblewrap namespaces (no network, private /tmp, its own PID space, a
  read-only view of only the interpreter, its packages and system libraries; no /home, /root, or the checkout), and
  every program runs under a uid of its own, so RLIMIT_NPROC holds and every process it leaves is killed.
- `uid`: no bwrap, but we are root: programs run under their own uid and in a fresh network namespace.
- `rlimits`: neither; resource limits and process-group killing only (as an ordinary user, NPROC holds).
"""

from __future__ import annotations

import ctypes
import os
import random
import resource
import shutil
import signal
import site
import sys
from pathlib import Path

import recode

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNET = 0x40000000

# Headroom above the program's own limits: the harness itself and the interpreter need some too.
_FD_HEADROOM = 16


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _readable_roots() -> list[str]:
    """Folders the interpreter needs: its prefixes, site-packages, and where `recode` itself lives."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(list(recode.__path__)[0]).resolve())}
    roots.update(site.getsitepackages())
    exe = Path(sys.executable)
    roots.add(str(exe.parent))
    roots.add(str(exe.resolve().parent.parent))
    # Drop the children of folders already bound; bind only what exists.
    kept = sorted(r for r in roots if os.path.isdir(r))
    return [r for r in kept if not any(r != k and r.startswith(k.rstrip("/") + "/") for k in kept)]


def bwrap_command(argv: list[str]) -> list[str]:
    """Wrap a worker command in bubblewrap: no network, private /tmp and PIDs, read-only system."""
    cmd = [bwrap_path() or "bwrap", "--die-with-parent", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-pid", "--new-session", "--cap-add", "CAP_SETUID,CAP_SETGID,CAP_KILL,CAP_CHOWN,CAP_FOWNER",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    sysdirs = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/alternatives", "/etc/ld.so.cache",
               "/etc/ssl", "/etc/localtime")
    roots = _readable_roots()
    # bwrap creates the missing parents of a bind target with mode 0700, which the program's uid cannot
    # traverse: it could then import no module the worker had not already imported. Create them first as
    # 0711 instead: traversable, but not listable.
    for parent in _parents([*sysdirs, *roots], bound=[d for d in sysdirs if os.path.isdir(d)]):
        cmd += ["--perms", "0711", "--dir", parent]
    for sysdir in sysdirs:
        cmd += ["--ro-bind-try", sysdir, sysdir]
    for root in roots:
        cmd += ["--ro-bind", root, root]
    return cmd + ["--chdir", "/tmp", "--"] + argv


def _parents(paths: list[str], bound: list[str]) -> list[str]:
    """Ancestors of `paths` (shallowest first), except / and folders inside one that is bound whole."""
    def inside(p: str) -> bool:
        return any(p == b or p.startswith(b.rstrip("/") + "/") for b in bound)

    found = {str(a) for p in paths for a in Path(p).parents if str(a) != "/"}
    return sorted((p for p in found if not inside(p)), key=lambda p: (p.count("/"), p))


def is_root() -> bool:
    return os.geteuid() == 0


def interpreter_world_readable() -> bool:
    """Whether a uid other than ours can reach the interpreter's files (needed to drop privileges)."""
    for root in _readable_roots():
        path = Path(root)
        for part in [path, *path.parents]:
            try:
                if not part.stat().st_mode & 0o001:
                    return False
            except OSError:
                return False
    return True


def release_free_memory() -> None:
    """Give freed heap memory back to the system (glibc's malloc_trim; a no-op elsewhere)."""
    trim = getattr(_libc, "malloc_trim", None)
    if trim is not None:
        trim(0)


def make_worker_self_reaper() -> None:
    """Orphans of a program (double-forked daemons) are re-parented to us, so we can reap and kill them."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def unshare_network() -> bool:
    return _libc.unshare(CLONE_NEWNET) == 0


def new_uid() -> int:
    """A uid no other worker or user holds, so per-uid limits and kill(-1) touch only our program."""
    return random.randrange(1 << 20, 1 << 30)


def apply_limits(memory_mb: int, cpu_s: int, max_processes: int, max_open_files: int, max_output_mb: int,
                 limit_processes: bool) -> None:
    """Called in the forked child before the privilege drop."""
    mem = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_NOFILE, (max_open_files + _FD_HEADROOM,) * 2)
    out = max_output_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (out, out))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limit_processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def kill_uid(uid: int) -> None:
    """Kill every process owned by `uid`, wherever it went (new session, double fork, daemon)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def descendants(root_pid: int) -> list[int]:
    """PIDs whose parent chain leads to `root_pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root_pid]
    while stack:
        for c in children.get(stack.pop(), []):
            out.append(c)
            stack.append(c)
    return out


def has_children() -> bool:
    """Whether this process has any child, running or exited, in one system call. For a subreaper this covers
    every process its children left behind: an orphan is re-parented to it before its parent can be reaped."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def kill_descendants(root_pid: int) -> None:
    for pid in descendants(root_pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap() -> None:
    """Collect every exited child (including adopted orphans) so none stays a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def use_clean_env(tmpdir: str) -> None:
    """Leave this process only `clean_env()` and TMPDIR=`tmpdir`. The fork server cleans its own environment
    once, so a program's process usually only sets TMPDIR: clearing and refilling it cost ~100 page copies."""
    current = dict(os.environ)
    current.pop("TMPDIR", None)
    if current != clean_env():
        os.environ.clear()
        os.environ.update(clean_env())
    os.environ["TMPDIR"] = tmpdir


def clean_env() -> dict[str, str]:
    """The only environment a program sees: none of the caller's variables."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
