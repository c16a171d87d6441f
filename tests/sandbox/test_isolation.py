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


ENV_SCRIPT = """
import json, os
from recode.sandbox import isolation
isolation.use_clean_env("/tmp/somewhere")
first = dict(os.environ)
isolation.use_clean_env("/tmp/elsewhere")  # already clean: only TMPDIR changes
print(json.dumps([first, dict(os.environ)]))
"""


def test_use_clean_env_leaves_only_the_clean_variables_and_tmpdir():
    import json

    from recode.sandbox.isolation import clean_env

    env = {"SECRET_TOKEN": "hunter2", "PATH": "/opt/evil/bin", "PYTHONPATH": ":".join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", ENV_SCRIPT], capture_output=True, text=True, timeout=60, env=env)
    first, second = json.loads(out.stdout)
    assert first == {**clean_env(), "TMPDIR": "/tmp/somewhere"}
    assert second == {**clean_env(), "TMPDIR": "/tmp/elsewhere"}
