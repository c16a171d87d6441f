import subprocess
import sys

SCRIPT = """
import os, signal, time
from recode.sandbox import isolation
assert not isolation.has_children()
pid = os.fork()
if pid == 0:
    time.sleep(30)
    os._exit(0)
assert isolation.has_children()  # running
os.kill(pid, signal.SIGKILL)
time.sleep(0.2)
assert isolation.has_children()  # exited, not yet reaped: still a child
os.waitpid(pid, 0)
assert not isolation.has_children()
print("ok")
"""


def test_has_children_sees_running_and_unreaped_children():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr
