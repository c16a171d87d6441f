import collections
import marshal

import pytest

from recode.sandbox import codec


class LyingInt(int):
    def __eq__(self, other):
        return True

    def __int__(self):
        return 7


class LyingList(list):
    def __iter__(self):
        return iter([9])


def roundtrip(value):
    return codec.decode(codec.encode(value))


def test_plain_values_roundtrip_with_exact_types():
    value = [1, 2.5, True, None, "s", b"b", 1j, (1, [2]), {"k": {3}}, frozenset({4})]
    assert roundtrip(value) == value
    assert type(roundtrip((1,))) is tuple and type(roundtrip(True)) is bool


def test_subclasses_travel_as_their_underlying_builtin_value():
    assert roundtrip(collections.Counter(a=2)) == {"a": 2} and type(roundtrip(collections.Counter())) is dict
    assert roundtrip(collections.namedtuple("P", "x y")(1, 2)) == (1, 2)
    out = roundtrip(LyingInt(5))
    assert type(out) is int and out == 5  # neither the lying __eq__ nor __int__ was consulted
    assert roundtrip(LyingList([1, 2])) == [1, 2]


def test_other_objects_become_opaque():
    class Thing:
        pass

    out = roundtrip([Thing(), (x for x in [])])
    assert all(type(v) is codec.Opaque for v in out)


def test_forged_bytes_cannot_smuggle_other_types():
    code = compile("1", "<x>", "eval")
    with pytest.raises(codec.DecodeError):
        codec.decode(marshal.dumps([code]))
    with pytest.raises(codec.DecodeError):
        codec.decode(b"\x00garbage")


def test_has_bytes():
    assert codec.has_bytes({"a": [b"x"]}) and not codec.has_bytes({"a": ["x"]})


def test_equal_values_built_differently_encode_alike():
    # Two programs computing the same answer must meet the reference's bytes (the worker's fast path),
    # whatever their objects' reference counts or string interning.
    big = 10 ** 3
    shared = [big * 3] * 2
    built = [int("3000"), int("3000")]
    assert codec.encode(shared) == codec.encode(built)
    interned, computed = "abc", "".join(["a", "b", "c"])
    assert codec.encode([interned, interned]) == codec.encode([computed, "ab" + "c"[:1]])
    held = {"k": built}
    assert codec.encode(held["k"]) == codec.encode([3000, 3000])


def test_self_referencing_values_are_sent_as_a_marker():
    loop = []
    loop.append(loop)
    decoded = codec.decode(codec.encode(loop))
    depth = 0
    while isinstance(decoded, list):
        decoded, depth = decoded[0], depth + 1
    assert isinstance(decoded, codec.Opaque) and depth <= codec.MAX_DEPTH + 1


def test_streamed_digest_depends_on_the_value_not_on_shared_objects():
    shared = [(1, "ab")] * 20_000
    distinct = [(int("1"), "".join(["a", "b"])) for _ in range(20_000)]
    assert codec.streamed_digest(shared) == codec.streamed_digest(distinct)
    assert codec.streamed_digest(shared) != codec.streamed_digest([(1, "ab")] * 19_999 + [(1, "ac")])
    assert codec.streamed_digest([(1, "ab")]) != codec.streamed_digest([[1, "ab"]])


def test_streamed_digest_refuses_what_is_not_plain():
    class Str(str):
        pass

    cycle: list = []
    cycle.append(cycle)
    assert codec.streamed_digest([Str("a")]) is None and codec.streamed_digest(cycle) is None
    assert codec.streamed_digest([collections.Counter()]) is None


def test_only_long_lists_of_large_items_look_huge():
    assert codec.looks_huge([("x" * 100,)] * 20_000, limit=100_000)
    assert not codec.looks_huge([("x" * 100,)] * 9_999, limit=100_000)  # too short to guess from its first item
    assert not codec.looks_huge([1] * 20_000, limit=100_000)
    assert not codec.looks_huge({i: i for i in range(20_000)}, limit=10)
