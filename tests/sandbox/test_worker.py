import json
import subprocess
import sys

# Runs in its own interpreter: the fork server's imports are what is being checked, and forking from pytest's
# process (with its threads and plugins) would not be the worker's situation.
TASKS = """
import json, os, sys
from recode.sandbox.plan import plan_job
from recode.sandbox.types import CallTests, Job, StdioTests
from recode.sandbox.isolation import clean_env
from recode.sandbox.worker import Worker

worker = Worker("rlimits")
jobs = [
    Job("def f(x):\\n    return x + 1", CallTests("f", [[1], [2]], [2, 3])),
    Job("def f(x):\\n    open('scratch.txt', 'w').write('x')\\n    os.makedirs('a/b')\\n    return x + 1\\nimport os",
        CallTests("f", [[1]], [2])),
    Job("print(int(input()) * 2)", StdioTests([("21\\n", "42\\n")])),
    Job("import sys\\nprint('debug', file=sys.stdout)\\ndef f(x):\\n    print(x)\\n    return x", CallTests("f", [[5]], [5])),
]
# The program sees only the clean variables, whether the worker cleaned its own environment or not.
env_job = Job("import os\\ndef f():\\n    return sorted(os.environ)", CallTests("f", [[]], [sorted([*clean_env(), "TMPDIR"])]))
jobs += [env_job, "clean", env_job]
out = []
for k, job in enumerate(jobs):
    if job == "clean":
        worker.clean_environment()
        continue
    for task in plan_job(k, job, 1.0):
        result = worker.run_task(task)
        out.append([str(v.status) for v in result.verdicts])
print(json.dumps({"verdicts": out, "left": os.listdir(worker.tmp),
                  "imported": sorted({"threading", "subprocess"} & set(sys.modules))}))
"""


def test_worker_runs_tasks_cleans_up_and_keeps_its_imports_small():
    proc = subprocess.run([sys.executable, "-c", TASKS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["verdicts"] == [["pass", "pass"], ["pass"], ["pass"], ["pass"], ["pass"], ["pass"]]
    assert out["left"] == [], "a task's work directory outlived it"
    # threading's after-fork handler cost every forked program ~100 page copies; the fork server has no threads.
    assert out["imported"] == []
