"""The program runs as a module registered in sys.modules, as a file run by Python does: dataclasses and
pickle find it, and tests can patch what the program's functions see (BigCodeBench's `patch(__name__ + ...)`)."""

from recode.sandbox import AssertTests, CallTests, Job, StdioTests

PROGRAM = """from dataclasses import dataclass
import pickle
import sys


@dataclass(frozen=True)
class Point:
    x: int


def f(a):
    assert sys.modules[__name__].f is f
    return pickle.loads(pickle.dumps(Point(a))).x + 1


def g(a):
    return f(a) * 10
"""


def test_dataclasses_and_pickle_find_the_programs_module(pool):
    jobs = [Job(PROGRAM, CallTests("f", [[1]], [2])),
            Job(PROGRAM + "print(f(int(input())))\n", StdioTests([("3\n", "4")])),
            Job(PROGRAM, AssertTests("from unittest.mock import patch\n"
                                     "with patch(__name__ + '.f', return_value=7):\n    assert g(1) == 70\n"
                                     "assert g(1) == 20\n"))]
    results = pool.run_batch(jobs)
    assert [r.passed for r in results] == [True, True, True], [r.first_failure for r in results]
