"""`recode sandbox demo`: honest and hostile solutions to HumanEval+ tasks, scored side by side.

The hostile rewrites are the tricks an RL policy finds when the reward trusts a return code or `==`:
only the reference solutions may pass.
"""

from __future__ import annotations

import time
from collections import Counter

from rich.console import Console
from rich.table import Table

from recode.datasets import get_benchmark
from recode.eval.score import score_samples

# name -> code appended after the reference solution; `{ep}` is the function under test.
HOSTILE = {
    "exit(0) at import": "\nimport sys\nsys.exit(0)\n",
    "os._exit(0) when called": "\nimport os\ndef {ep}(*args, **kwargs):\n    os._exit(0)\n",
    "always-equal object": ("\nclass _Yes:\n    def __eq__(self, other):\n        return True\n"
                            "def {ep}(*args, **kwargs):\n    return _Yes()\n"),
    "int subclass, equal to all": ("\nclass _Int(int):\n    def __eq__(self, other):\n        return True\n"
                                   "def {ep}(*args, **kwargs):\n    return _Int(0)\n"),
    "prints 'All tests passed'": "\ndef {ep}(*args, **kwargs):\n    print('All tests passed')\n",
    "patches builtins": "\nimport builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n",
    "kills its parent": "\nimport os, signal\ndef {ep}(*args, **kwargs):\n    os.kill(os.getppid(), signal.SIGKILL)\n",
    "infinite loop": "\ndef {ep}(*args, **kwargs):\n    while True:\n        pass\n",
}


def demo_samples(n_tasks: int) -> list[dict]:
    bench = get_benchmark("humaneval+")
    samples = []
    for problem in list(bench.problems.values())[:n_tasks]:
        samples.append({"task_id": problem.task_id, "solution": problem.canonical_solution, "variant": "reference"})
        for name, tail in HOSTILE.items():
            samples.append({"task_id": problem.task_id, "variant": name,
                            "solution": problem.canonical_solution + tail.replace("{ep}", problem.entry_point)})
    return samples


def run_demo(n_tasks: int = 20, workers: int | None = None, console: Console | None = None) -> list[dict]:
    console = console or Console()
    samples = demo_samples(n_tasks)
    console.print(f"Scoring {len(samples)} programs on {n_tasks} HumanEval+ tasks "
                  f"(reference + {len(HOSTILE)} hostile rewrites each) ...")
    start = time.perf_counter()
    rows = score_samples("humaneval+", samples, workers=workers)
    elapsed = time.perf_counter() - start
    table = Table(title=f"HumanEval+ tasks 0-{n_tasks - 1}: who passes?  (isolation: {rows[0]['isolation']})")
    for col in ("solution", "passed", "statuses"):
        table.add_column(col)
    by_variant: dict[str, list[dict]] = {}
    for sample, row in zip(samples, rows):
        by_variant.setdefault(sample["variant"], []).append(row)
    for variant, vrows in by_variant.items():
        passed = sum(r["passed"] for r in vrows)
        statuses = ", ".join(f"{k} {v}" for k, v in Counter(r["status"] for r in vrows).most_common())
        expected = len(vrows) if variant == "reference" else 0  # only the honest solutions may pass
        style = "green" if passed == expected else "red"
        table.add_row(variant, f"[{style}]{passed}/{len(vrows)}[/]", statuses)
    console.print(table)
    console.print(f"{len(samples)} programs scored in {elapsed:.1f} s (ground truth included on first run).")
    return rows
