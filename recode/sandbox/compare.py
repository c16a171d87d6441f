"""Comparing a program's output with the expected one, in the trusted worker.

`values_equal` is Python's `==` made type-strict: containers must have the same type (a tuple is not a list, a
str is not bytes), and an `Opaque` value (something the program could not send back as plain data) equals
nothing. Numbers (`bool`, `int`, `float`) compare by value, as in EvalPlus: `0 == False` holds there too.

Oracles are the named comparisons a benchmark needs beyond that (EvalPlus's tolerance and special oracles),
kept in the `ORACLES` registry so that the executor itself holds no dataset special case.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from recode.sandbox.codec import Opaque

_NUMBER = (bool, int, float)


def values_equal(out: Any, exp: Any) -> bool:
    to, te = type(out), type(exp)
    if to is Opaque or te is Opaque:
        return False
    if to in _NUMBER and te in _NUMBER:
        return out == exp  # bool, int and float compare by value, as Python's == and EvalPlus do
    if to is not te:
        return False
    if to in (list, tuple):
        return len(out) == len(exp) and all(values_equal(a, b) for a, b in zip(out, exp))
    if to is dict:
        return out.keys() == exp.keys() and all(values_equal(out[k], exp[k]) for k in exp)
    return out == exp  # scalars, str, bytes, complex, sets of hashable plain values


def _has_opaque(value: Any, depth: int = 0) -> bool:
    t = type(value)
    if t is Opaque:
        return True
    if depth > 200 or t not in (list, tuple, set, frozenset, dict):
        return False
    items = value.items() if t is dict else ((v, None) for v in value)
    return any(_has_opaque(k, depth + 1) or _has_opaque(v, depth + 1) for k, v in items)


def assert_equal(out: Any, exp: Any) -> bool:
    """`==` as the test's author wrote it (so `0 == False` holds, as in MBPP), on plain values only: neither
    side can bring its own `__eq__`, and a value that could not be sent back equals nothing."""
    return not _has_opaque(out) and not _has_opaque(exp) and out == exp


def is_floats(x: Any) -> bool:
    """EvalPlus's rule for when a float tolerance applies even if the task's atol is 0."""
    if type(x) is float:
        return True
    if type(x) in (list, tuple) and x:
        return all(type(i) is float for i in x)
    return False


def _allclose(out: Any, exp: Any, atol: float, rtol: float = 1e-7) -> bool:
    """Elementwise |out - exp| <= atol + rtol * |exp| (numpy.allclose), on equal shapes only."""
    if type(exp) in (list, tuple):
        if type(out) is not type(exp) or len(out) != len(exp):
            return False
        return all(_allclose(a, b, atol, rtol) for a, b in zip(out, exp))
    if type(out) is bool or type(exp) is bool:
        return out is exp
    if type(out) not in (int, float, complex) or type(exp) not in (int, float, complex):
        return False
    if isinstance(out, float) and isinstance(exp, float) and math.isnan(out) and math.isnan(exp):
        return False  # numpy.allclose(nan, nan) is False without equal_nan
    return abs(out - exp) <= atol + rtol * abs(exp)


def default_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """EvalPlus's default: exact match, else (with a tolerance) same type, same length, allclose."""
    if values_equal(out, exp):
        return True
    if atol == 0 and is_floats(exp):
        atol = 1e-6
    if atol == 0 or type(out) is not type(exp):
        return False
    return _allclose(out, exp, atol)


def set_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """Order-free comparison for tasks whose expected list is really a set (EvalPlus MBPP_OUTPUT_SET_EQ)."""
    if type(out) not in (list, tuple, set, frozenset):
        return False
    try:
        return set(out) == set(exp) and not any(type(v) is Opaque for v in out)
    except TypeError:
        return False


def not_none_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """For outputs compared as 'is not None' (regex matches); the program already sent `out is not None`."""
    return type(out) is bool and out == exp


def _poly(xs: list, x: float) -> float:
    return sum(coeff * math.pow(x, i) for i, coeff in enumerate(xs))


def find_zero_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """HumanEval/32: any root is right; check |poly(xs, out)| <= atol."""
    if type(out) not in _NUMBER or type(out) is bool:
        return False
    try:
        return abs(_poly(inp[0], out)) <= atol
    except (OverflowError, ValueError, TypeError):
        return False


def _surface_area(base_edge, height):
    slant = math.sqrt((base_edge / 2) ** 2 + height**2)
    return round(base_edge**2 + 2 * base_edge * slant)


def surface_area_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """Mbpp/581: the task text is ambiguous about the height; accept the slant-height reading too."""
    if default_oracle(out, exp, inp, atol):
        return True
    return type(out) in _NUMBER and type(out) is not bool and abs(out - _surface_area(*inp)) <= atol


def _digit_distance(a, b) -> int:
    sa, sb = str(a), str(b)
    n = max(len(sa), len(sb))
    return sum(abs(int(x) - int(y)) for x, y in zip(sa.zfill(n), sb.zfill(n)))


def digit_distance_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """Mbpp/558: accept the zero-padded reading of 'digit distance' too."""
    return default_oracle(out, exp, inp, atol) or values_equal(out, _digit_distance(*inp))


def sum_div_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """Mbpp/295: the reference disagrees with the text on some inputs; 0 is accepted as in EvalPlus."""
    return default_oracle(out, exp, inp, atol) or values_equal(out, 0)


def always_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """Mbpp/164 (`are_equivalent`): the reference is wrong, so EvalPlus accepts any returned value."""
    return True


def python_eq_oracle(out: Any, exp: Any, inp: list, atol: float) -> bool:
    """LiveCodeBench's functional check: a returned tuple counts as a list, then Python's `==` (so 1 == 1.0)."""
    return assert_equal(list(out) if type(out) is tuple else out, exp)


Oracle = Callable[[Any, Any, list, float], bool]

ORACLES: dict[str, Oracle] = {
    "default": default_oracle,
    "set": set_oracle,
    "not_none": not_none_oracle,
    "find_zero": find_zero_oracle,
    "surface_area": surface_area_oracle,
    "digit_distance": digit_distance_oracle,
    "sum_div": sum_div_oracle,
    "always": always_oracle,
    "python_eq": python_eq_oracle,
}


# Oracles for which an output encoded exactly like the expected one is right (find_zero ignores `expected`), so
# that equal encodings (or digests of them) pass without decoding.
BYTE_EXACT_ORACLES = frozenset({"default", "set", "not_none"})


def get_oracle(name: str) -> Oracle:
    try:
        return ORACLES[name]
    except KeyError:
        raise ValueError(f"unknown oracle {name!r}; known: {', '.join(sorted(ORACLES))}") from None


_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def stdout_equal(out: str, exp: str, float_tol: float = 1e-6) -> bool:
    """Token-wise stdout comparison: whitespace-insensitive, numbers equal within `float_tol`."""
    got_lines = [ln.split() for ln in out.strip().splitlines() if ln.strip()]
    exp_lines = [ln.split() for ln in exp.strip().splitlines() if ln.strip()]
    if len(got_lines) != len(exp_lines):
        return False
    for got, want in zip(got_lines, exp_lines):
        if len(got) != len(want):
            return False
        for g, w in zip(got, want):
            if g == w:
                continue
            if not (_FLOAT_RE.match(g) and _FLOAT_RE.match(w)):
                return False
            gv, wv = float(g), float(w)
            if not math.isclose(gv, wv, rel_tol=float_tol, abs_tol=float_tol):
                return False
    return True


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(tok) for tok in line.split()]
    except (InvalidOperation, ValueError):
        return None


def stdout_lines_equal(out: str, exp: str) -> bool:
    """LiveCodeBench's stdout check: the same number of lines (after stripping the whole text), each line equal
    once stripped, or else equal token by token as exact decimals ("1.50" == "1.5", but no tolerance)."""
    got_lines = [ln.strip() for ln in out.strip().split("\n")]
    exp_lines = [ln.strip() for ln in exp.strip().split("\n")]
    if len(got_lines) != len(exp_lines):
        return False
    for got, want in zip(got_lines, exp_lines):
        if got == want:
            continue
        g, w = _decimals(got), _decimals(want)
        if g is None or w is None or g != w:
            return False
    return True


# How StdioTests compare stdout: "tokens" (whitespace-insensitive, float tolerance) or "lines" (LiveCodeBench).
STDOUT_COMPARES = {"tokens": lambda out, exp, tol: stdout_equal(out, exp, tol),
                   "lines": lambda out, exp, tol: stdout_lines_equal(out, exp)}
