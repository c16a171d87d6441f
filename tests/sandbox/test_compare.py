from recode.sandbox.codec import Opaque
from recode.sandbox.compare import assert_equal, get_oracle, stdout_equal, values_equal


def test_values_equal_is_type_strict():
    assert values_equal([1, (2, 3)], [1, (2, 3)])
    assert not values_equal([1, [2, 3]], [1, (2, 3)])
    assert not values_equal("1", b"1") and not values_equal({1: 2}, [(1, 2)])
    assert values_equal(2, 2.0) and values_equal(0, False)  # numbers compare by value, as in EvalPlus
    assert not values_equal(Opaque("x"), Opaque("x"))


def test_assert_equal_keeps_python_semantics_but_not_opaque():
    assert assert_equal(0, False) and assert_equal({"a": 1}, {"a": 1})
    assert not assert_equal([Opaque("x")], [Opaque("x")])


def test_default_oracle_tolerance_like_evalplus():
    oracle = get_oracle("default")
    assert oracle(0.1 + 0.2, 0.3, [], 0)  # float outputs get atol 1e-6
    assert not oracle(0.31, 0.3, [], 0)
    assert oracle([1.0000001, 2.0], [1.0, 2.0], [], 1e-6)
    assert not oracle((1.0, 2.0), [1.0, 2.0], [], 1e-6)  # same type required on the tolerance path


def test_special_oracles():
    assert get_oracle("find_zero")(1.0, 999.0, [[-1, 1]], 1e-4)  # any root of -1 + x
    assert not get_oracle("find_zero")(2.0, 1.0, [[-1, 1]], 1e-4)
    assert get_oracle("set")([3, 1, 2], [1, 2, 3], [], 0)
    assert not get_oracle("set")([1, 2], [1, 2, 3], [], 0)
    assert get_oracle("not_none")(True, True, [], 0) and not get_oracle("not_none")(1, True, [], 0)


def test_stdout_compare_tolerates_whitespace_and_float_noise():
    assert stdout_equal("1 2\n3  \n\n", "1 2\n3")
    assert stdout_equal("0.3000000001\n", "0.3")
    assert not stdout_equal("1 2 3", "1 2\n3")
    assert not stdout_equal("abc", "abd")
