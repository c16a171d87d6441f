import json
import subprocess
import sys

# Runs in its own interpreter: the fork server's imports are what is being checked, and forking from pytest's
# process (with its threads and plugins) would not be the worker's situation.
TASKS = """
import json, os, pickle, sys
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
    # The child decodes its inputs after the program ran: a patched pickle must not change them.
    Job("import pickle, _pickle\\npickle.loads = _pickle.loads = lambda *a, **k: [[0]] * 64\\ndef f(x):\\n    return x + 1",
        CallTests("f", [[1], [2]], [2, 3])),
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
        result = worker.run_task(pickle.loads(pickle.dumps(task)))  # as the pool ships it
        out.append([str(v.status) for v in result.verdicts])
print(json.dumps({"verdicts": out, "left": os.listdir(worker.tmp),
                  "imported": sorted({"threading", "subprocess"} & set(sys.modules))}))
"""


def test_worker_runs_tasks_cleans_up_and_keeps_its_imports_small():
    proc = subprocess.run([sys.executable, "-c", TASKS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["verdicts"] == [["pass", "pass"], ["pass"], ["pass"], ["pass"], ["pass", "pass"], ["pass"], ["pass"]]
    assert out["left"] == [], "a task's work directory outlived it"
    # threading's after-fork handler cost every forked program ~100 page copies; the fork server has no threads.
    assert out["imported"] == []


# Where each test's verdict lands when a program stops early, as the pool sees it (after the result's pickling).
STOPS = """
import json, pickle
from recode.sandbox.plan import plan_job
from recode.sandbox.types import CallTests, Job, Limits
from recode.sandbox.worker import Worker

worker = Worker("rlimits")
code = '''
import os
def f(x):
    if x == 2:
        while True:
            pass
    if x == 3:
        os._exit(0)
    if x == 4:
        return -1
    return x
'''
cases = {"hangs": [0, 1, 2, 0, 0], "exits": [0, 1, 3, 0, 0], "fails": [0, 1, 4, 0, 0]}
out = {}
for name, inputs in cases.items():
    job = Job(code, CallTests("f", [[x] for x in inputs], list(inputs)), limits=Limits(time_floor_s=0.3))
    [task] = plan_job(0, job, 10.0)
    result = pickle.loads(pickle.dumps(worker.run_task(task)))
    out[name] = [[str(v.status), v.detail] for v in result.verdicts]
print(json.dumps(out))
"""


def test_verdicts_of_a_program_stopped_early_land_on_the_right_tests():
    proc = subprocess.run([sys.executable, "-c", STOPS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    stopped = ["skipped", "no verdict: the process was stopped"]
    # The child sends results in batches, so a program that hangs or dies takes its unsent passes with it. A
    # timeout lands on the test that was running (published in shared memory), a death on the first test
    # without a verdict; every other test is "stopped".
    assert out["hangs"] == [stopped, stopped, ["timeout", "time limit exceeded"], stopped, stopped]
    assert out["exits"] == [["killed", "the program ended (exit status 0) before its tests finished"]] + [stopped] * 4
    assert [v[0] for v in out["fails"]] == ["pass", "pass", "fail", "skipped", "skipped"]
    assert out["fails"][3:] == [stopped, stopped]


# A chunk of inputs is decoded between two tests: that time must not count against the test before it.
SLOW_CHUNK = """
import json, pickle, time
from recode.sandbox.plan import Inputs, plan_job
from recode.sandbox.types import CallTests, Job, Limits
from recode.sandbox.worker import Worker

class SlowToDecode:
    def __reduce__(self):
        return time.sleep, (0.7,)  # decodes as None, 0.7 s later

inputs = [[k] for k in range(Inputs.CHUNK)] + [[SlowToDecode()]]
job = Job("def f(x):\\n    return x", CallTests("f", inputs, list(range(Inputs.CHUNK)) + [None],
                                                 reference_times=[0.001] * len(inputs)),
          limits=Limits(time_floor_s=0.05))
[task] = plan_job(0, job, 100.0)
result = Worker("rlimits").run_task(pickle.loads(pickle.dumps(task)))
print(json.dumps([str(v.status) for v in result.verdicts]))
"""


def test_decoding_a_chunk_of_inputs_is_not_charged_to_a_test():
    proc = subprocess.run([sys.executable, "-c", SLOW_CHUNK], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["pass"] * 65
