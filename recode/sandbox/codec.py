"""Values that cross from the untrusted program to the trusted worker.

Only plain builtin values travel: None, bool, int, float, complex, str, bytes, and list/tuple/dict/set/frozenset
of them, with exact types. Subclasses of those (Counter, namedtuple, an int subclass with a lying `__eq__`) are
sent as their underlying builtin value, so whatever they override is never consulted. NumPy scalars and arrays
become their Python equivalents, as `.tolist()` gives them. Anything else (a class instance, a generator)
becomes an `Opaque` marker that never equals an expected value. The worker re-validates what it decodes, so
bytes forged by the program cannot smuggle in other types.
"""

from __future__ import annotations

import hashlib
import marshal
import pickle
import reprlib
from dataclasses import dataclass

_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_CONTAINERS = (list, tuple, set, frozenset)
MAX_DEPTH = 200


@dataclass(frozen=True)
class Opaque:
    """Stands for a value that could not be sent back; carries only its type name."""

    type_name: str

    def __repr__(self) -> str:
        return f"<unsendable {self.type_name}>"


_OPAQUE_TAG = "\x00recode-opaque\x00"


# Builtin value types whose subclasses (Counter, OrderedDict, namedtuples, int subclasses) are sent as their
# underlying builtin value, read through the base type's own C methods so no override of the subclass runs.
_BASE_VALUE = [
    (int, int.__int__), (float, float.__float__), (complex, complex.__complex__), (str, str.__str__),
    (bytes, bytes.__bytes__), (list, lambda v: list(list.__iter__(v))), (tuple, lambda v: tuple(tuple.__iter__(v))),
    (dict, lambda v: dict(dict.items(v))), (set, lambda v: set(set.__iter__(v))),
    (frozenset, lambda v: frozenset(frozenset.__iter__(v))),
]


def to_plain(value, depth: int = 0):
    """Convert `value` to exact-builtin form, or a tagged tuple standing for an `Opaque` value."""
    t = type(value)
    if t in _SCALARS:
        return value
    if depth > MAX_DEPTH:
        return (_OPAQUE_TAG, "too deep")
    if t in _CONTAINERS:
        return t(to_plain(v, depth + 1) for v in value)
    if t is dict:
        return {to_plain(k, depth + 1): to_plain(v, depth + 1) for k, v in value.items()}
    module = getattr(t, "__module__", "")
    if module == "numpy" and hasattr(value, "tolist"):
        return to_plain(value.tolist(), depth + 1)
    for base, read in _BASE_VALUE:
        if isinstance(value, base):
            return to_plain(read(value), depth + 1)
    return (_OPAQUE_TAG, f"{module}.{t.__qualname__}" if module else t.__qualname__)


# Marshal format 2: from format 3 on, marshal flags objects by their reference count and whether a string is
# interned, so equal values built by different code ([300, 300] and [300] * 2) encode differently, and a
# correct program's output would miss the byte-level comparison with the reference's. Format 2 has neither.
MARSHAL_VERSION = 2


def encode(value) -> bytes:
    """Bytes for `value`. Plain values go straight to marshal (C speed, exact types only); marshal also
    writes buffer objects (bytearray, arrays) as bytes, which is why `has_bytes` guards byte-level compares."""
    if type(value) in _SCALARS or type(value) in _CONTAINERS or type(value) is dict:
        try:
            return marshal.dumps(value, MARSHAL_VERSION)
        except ValueError:  # something unmarshallable (or self-referencing) inside: the slow, tagging path
            pass
    return marshal.dumps(to_plain(value), MARSHAL_VERSION)


def has_bytes(value, depth: int = 0) -> bool:
    """Whether a decoded value holds bytes anywhere (then equal encodings need not mean equal types)."""
    t = type(value)
    if t is bytes:
        return True
    if depth > MAX_DEPTH or t not in _CONTAINERS and t is not dict:
        return False
    items = value.items() if t is dict else ((v, None) for v in value)
    return any(has_bytes(k, depth + 1) or has_bytes(v, depth + 1) for k, v in items)


# Expected encodings longer than this travel to the worker as their digest, and are fetched from the pool only
# when an output does not match it: HumanEval+ ships 247 MB of them in 69 outputs, which cost more CPU to send
# and unpickle than to hash what the program returns.
DIGEST_MIN_BYTES = 64 << 10


def digest(raw: bytes) -> tuple[bytes, int]:
    """(sha256, size) of an encoding: how outputs too large to ship are compared."""
    return hashlib.sha256(raw).digest(), len(raw)


class _NotPlain(Exception):
    pass


class _DigestWriter:
    """A file for the pickler that hashes what it is given and keeps nothing."""

    def __init__(self):
        self.sha, self.size = hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return len(data)


class _PlainPickler(pickle.Pickler):
    def reducer_override(self, obj):
        # Called only for objects that are not exact None/bool/int/float/bytes/str/list/tuple/dict/set/frozenset.
        raise _NotPlain


def looks_huge(value, limit: int) -> bool:
    """Whether a list or tuple is so long that even its first item, repeated, would encode to 4x `limit`:
    such outputs are compared by `streamed_digest` instead of being encoded whole. A function of the value
    alone, so equal values (the expected one and a program's) always take the same path."""
    if type(value) not in (list, tuple) or len(value) < 10_000:
        return False
    try:
        first = len(marshal.dumps(value[0], MARSHAL_VERSION))
    except ValueError:
        return False
    return len(value) * first > 4 * limit


def streamed_digest(value) -> tuple[bytes, int] | None:
    """(sha256, size) of a memo-less pickle of a plain value, hashed as it is written: the same value always
    gives the same bytes (no references by identity), and nothing is kept. For a 1.2 GB answer (MBPP+
    Mbpp/255: 1.66 M tuples of 77 strings) this takes 2.4 s where marshal plus SHA-256 take 7.1 s. None when
    the value holds anything but exact builtin types (or a cycle): encode it the usual way instead."""
    out = _DigestWriter()
    pickler = _PlainPickler(out, protocol=5)
    pickler.fast = True  # no memo: equal values, however shared inside, pickle alike
    try:
        pickler.dump(value)
    except (_NotPlain, ValueError, RecursionError, pickle.PicklingError):
        return None
    return out.sha.digest(), out.size


class DecodeError(ValueError):
    pass


def restore(value, depth: int = 0):
    """Validate a value from `loads_untrusted`: plain builtin values only, opaque markers made `Opaque`."""
    t = type(value)
    if t in _SCALARS:
        return value
    if depth > MAX_DEPTH + 2:
        raise DecodeError("value nested too deep")
    if t is tuple and len(value) == 2 and value[0] == _OPAQUE_TAG and type(value[1]) is str:
        return Opaque(value[1])
    if t in _CONTAINERS:
        return t(restore(v, depth + 1) for v in value)
    if t is dict:
        return {restore(k, depth + 1): restore(v, depth + 1) for k, v in value.items()}
    raise DecodeError(f"type {t.__name__} may not cross the sandbox boundary")


def loads_untrusted(data: bytes):
    """Unmarshal bytes written by the program, not yet validated: pass the result through `restore`, or
    check the exact type of every part you use (marshal can also build code objects)."""
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError) as exc:
        raise DecodeError(f"undecodable value: {exc}") from None


def decode(data: bytes):
    """Decode bytes written by the program; raises DecodeError on anything but plain builtin values."""
    return restore(loads_untrusted(data))


def decode_trusted(data: bytes):
    """Decode an encoding that this worker's side made or already validated (expected outputs): no walk.

    Walking a large value in Python costs far more than the program's wrong answer took to compute."""
    return marshal.loads(data)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 3, 8, 8, 6, 8
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 120, 80, 60


def describe(value, n: int = 200) -> str:
    """A bounded repr for messages: repr() of a large value would cost more than the test that made it."""
    text = _REPR.repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."
