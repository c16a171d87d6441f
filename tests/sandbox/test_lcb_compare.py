"""LiveCodeBench's comparisons: stdout line by line (exact decimals), functional results with Python's ==."""

from recode.sandbox import CallTests, Job, StdioTests
from recode.sandbox.compare import get_oracle, stdout_equal, stdout_lines_equal


def test_lines_compare_stripped_lines_then_exact_decimals():
    assert stdout_lines_equal("1 2\n3  \n\n", "1 2\n3")
    assert stdout_lines_equal("  Yes\nNo  ", "Yes\nNo")
    assert stdout_lines_equal("1.50 2", "1.5   2")  # not equal as text, equal as decimals
    assert stdout_lines_equal("1e3", "1000")
    assert not stdout_lines_equal("0.3000000001", "0.3")  # no tolerance, unlike the token rule
    assert stdout_equal("0.3000000001", "0.3")
    assert not stdout_lines_equal("Yes  No", "Yes No")  # words are compared as whole lines
    assert stdout_equal("Yes  No", "Yes No")
    assert not stdout_lines_equal("1\n\n2", "1\n2")  # inner empty lines count
    assert not stdout_lines_equal("1 2 3", "1 2\n3")
    assert not stdout_lines_equal("", "0")


def test_python_eq_oracle_takes_a_tuple_for_a_list_and_numbers_by_value():
    eq = get_oracle("python_eq")
    assert eq((1, 2), [1, 2], [], 0.0)
    assert eq(2.0, 2, [], 0.0)
    assert eq(True, 1, [], 0.0)
    assert not eq([(1, 2)], [[1, 2]], [], 0.0)  # only the outer tuple is converted, as LiveCodeBench does
    assert not eq("1", 1, [], 0.0)
    assert not eq([1, 2], [2, 1], [], 0.0)


def test_jobs_use_the_chosen_comparison(pool):
    echo = "print(' '.join(input().split()))"
    jobs = [Job(echo, StdioTests([("a  b\n", "a b")], compare="lines")),
            Job(echo, StdioTests([("1.50\n", "1.5")], compare="lines")),
            Job("print('a  b')", StdioTests([("", "a b")], compare="lines")),
            Job("print('a  b')", StdioTests([("", "a b")])),
            Job("def f(x): return (x, x)", CallTests("f", [[1], [2]], [[1, 1], [2, 3]], oracle="python_eq"))]
    results = pool.run_batch(jobs)
    assert [r.passed for r in results] == [True, True, False, True, False]
    assert results[4].first_failure["index"] == 1
