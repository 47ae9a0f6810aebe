"""Entries of the audit ledger: their leaf bytes, personal-field commitments, range proofs.

Everything here is pure. Storage (:mod:`golive.storage.ledger`) writes what this module
computes; an auditor's verifier (:mod:`golive.services.audit`) recomputes it from a bundle.

**Leaf bytes.** The leaf of entry ``i`` is the RFC 8785 canonical JSON (JCS) of one object::

    {"action": ..., "actor": ..., "correlation_id": ..., "index": i, "payload": {...},
     "subject": ..., "tenant": ..., "time": "2026-01-02T03:04:05.000000Z", "v": 1}

keys sorted by UTF-16 code units, no whitespace, strings escaped minimally, numbers as
ECMAScript would print them, UTF-8. ``time`` is UTC with exactly six fraction digits and
``Z``, so the text of every timestamp has one spelling. The index is inside the leaf, so an
entry moved to another position no longer hashes to its old leaf.

**Personal fields.** A payload field the policy marks as personal is not in the leaf; the
leaf holds the commitment ``{"$personal": "<hex SHA-256(salt || JCS(value))>"}``, and the
value and its 32-byte random salt live in a side table that erasure may delete. The leaf,
and every proof, stay valid after erasure; while the value is kept, anyone holding it and
its salt can check it against the commitment.

**Range proofs.** A contiguous segment ``[start, end)`` of a tree of ``size`` is proven by
the hashes of the subtrees of the RFC 9162 recursion that lie wholly outside the segment
(:func:`range_proof_ranges`; at most ``2 * log2(size)`` of them). The verifier recomputes
the root from those hashes and the segment's leaf hashes (:func:`verify_range`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from golive.core.merkle import HASH_SIZE, leaf_hash, node_hash
from golive.errors import InputError, VerificationError

__all__ = [
    "LEAF_VERSION",
    "MAX_SAFE_INTEGER",
    "PERSONAL_KEY",
    "Entry",
    "canonical_json",
    "format_time",
    "parse_json",
    "parse_time",
    "personal_commitment",
    "range_proof",
    "range_proof_ranges",
    "verify_range",
]

LEAF_VERSION = 1
"""The ``v`` field of every leaf this version of golive writes."""

MAX_SAFE_INTEGER = (1 << 53) - 1
"""Largest integer magnitude JSON carries exactly (I-JSON, RFC 8785 §3.2.2.3)."""

PERSONAL_KEY = "$personal"
"""The one key of the object that replaces a personal value in a leaf."""

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_MAX_DEPTH = 64


# --- RFC 8785 canonical JSON -------------------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """The RFC 8785 (JCS) serialisation of ``value`` as UTF-8 bytes.

    Accepts ``None``, ``bool``, ``int`` (magnitude at most 2**53 - 1), finite ``float``,
    ``str``, lists and tuples, and mappings with string keys. Anything else raises
    :class:`InputError` naming where in the value it was found.
    """
    parts: list[str] = []
    _emit(value, parts, "$", 0)
    return "".join(parts).encode("utf-8")


def _emit(value: object, out: list[str], where: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise InputError(f"{where}: nested deeper than {_MAX_DEPTH} levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) <= MAX_SAFE_INTEGER:
            out.append(str(int(value)))
        elif abs(value) < 1 << 1024 and int(float(value)) == value:
            out.append(_es_number(float(value), where))
        else:
            raise InputError(f"{where}: integer {value} is not exactly a JSON (IEEE 754) number")
    elif isinstance(value, float):
        out.append(_es_number(value, where))
    elif isinstance(value, str):
        out.append(_string(value, where))
    elif isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"{where}: object key {key!r} is not a string")
            items.append((key, item))
        items.sort(key=lambda pair: pair[0].encode("utf-16-be"))
        out.append("{")
        for position, (key, item) in enumerate(items):
            if position:
                out.append(",")
            out.append(_string(key, where))
            out.append(":")
            _emit(item, out, f"{where}.{key}", depth + 1)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _emit(item, out, f"{where}[{position}]", depth + 1)
        out.append("]")
    else:
        raise InputError(f"{where}: a {type(value).__name__} cannot be stored in the ledger")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_ESCAPES["\t"] = "\\t"


def _string(text: str, where: str) -> str:
    out = ['"']
    for ch in text:
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            raise InputError(f"{where}: string holds a lone surrogate (not valid Unicode)")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _es_number(value: float, where: str) -> str:
    """ECMAScript's Number.prototype.toString for a finite double (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(value):
        raise InputError(f"{where}: {value} is not a JSON number")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(value))).as_tuple()[1:]
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_tuple)).lstrip("0")
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    k = len(digits)
    n = exponent + k  # value = 0.digits * 10**n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + body


def _parse_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= MAX_SAFE_INTEGER else float(value)


def parse_json(text: str | bytes) -> object:
    """Parse JSON the way a JCS reader does: integers beyond 2**53 - 1 become doubles, so
    that :func:`canonical_json` of the result reproduces canonical input byte for byte."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON: {exc}") from None


# --- time -----------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """The one spelling of a timestamp in a leaf: UTC, six fraction digits, ``Z``."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InputError("ledger times must be timezone-aware datetimes")
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Parse a time written by :func:`format_time`; refuse any other spelling."""
    try:
        moment = datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise InputError(f"time {text!r} is not of the form 2026-01-02T03:04:05.000000Z") from None
    if format_time(moment) != text:
        raise InputError(f"time {text!r} is not in its canonical spelling")
    return moment


# --- personal fields ------------------------------------------------------------------------


def personal_commitment(value: object, salt: bytes) -> dict[str, str]:
    """What the leaf holds instead of a personal ``value``: its salted SHA-256."""
    if not isinstance(salt, bytes) or len(salt) != 32:
        raise InputError("a personal-field salt is 32 bytes")
    digest = hashlib.sha256(salt + canonical_json(value)).hexdigest()
    return {PERSONAL_KEY: digest}


# --- entries --------------------------------------------------------------------------------


_TEXT_FIELDS = ("tenant", "actor", "action", "subject", "correlation_id")


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry as it is hashed. ``payload`` is the leaf's payload: personal fields
    already replaced by their commitments. ``time`` is the canonical text (:func:`format_time`).
    """

    index: int
    time: str
    tenant: str
    actor: str
    action: str
    subject: str
    correlation_id: str
    payload: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise InputError(f"entry index must be a non-negative integer, not {self.index!r}")
        parse_time(self.time)
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InputError(f"entry field {name} must be a string")
            if len(value) > 1024:
                raise InputError(f"entry field {name} is longer than 1024 characters")
        if not isinstance(self.payload, Mapping):
            raise InputError("entry payload must be a JSON object")

    def as_dict(self) -> dict[str, object]:
        """The object whose canonical JSON is the leaf."""
        return {
            "action": self.action,
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "index": self.index,
            "payload": self.payload,
            "subject": self.subject,
            "tenant": self.tenant,
            "time": self.time,
            "v": LEAF_VERSION,
        }

    def leaf(self) -> bytes:
        """The leaf bytes: RFC 8785 canonical JSON of :meth:`as_dict`."""
        return canonical_json(self.as_dict())

    def leaf_hash(self) -> bytes:
        """``SHA-256(0x00 || leaf)``, the RFC 9162 leaf hash."""
        return leaf_hash(self.leaf())

    @classmethod
    def from_dict(cls, data: Mapping[str, object], where: str = "entry") -> Entry:
        """Read an entry back from :meth:`as_dict` (for example from a bundle)."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where} is not a JSON object")
        version = data.get("v", LEAF_VERSION)
        if version != LEAF_VERSION:
            raise InputError(f"{where}: leaf version {version!r} is not {LEAF_VERSION}")
        values: dict[str, object] = {}
        for name in ("index", "time", *_TEXT_FIELDS, "payload"):
            if name not in data:
                raise InputError(f"{where}: field {name!r} is missing")
            values[name] = data[name]
        try:
            return cls(**values)  # type: ignore[arg-type]
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None


# --- range proofs ---------------------------------------------------------------------------


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _walk(lo: int, hi: int, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Subtrees of the RFC 9162 recursion over ``[lo, hi)`` wholly outside ``[start, end)``,
    left to right; subtrees inside the segment are not descended into."""
    if hi <= start or lo >= end:
        yield (lo, hi)
        return
    if start <= lo and hi <= end:
        return
    k = _split(hi - lo)
    yield from _walk(lo, lo + k, start, end)
    yield from _walk(lo + k, hi, start, end)


def _check_segment(start: int, end: int, size: int) -> None:
    for name, value in (("start", start), ("end", end), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"range proof {name} must be a non-negative integer")
    if not start < end <= size:
        raise InputError(f"segment [{start}, {end}) is empty or outside a tree of size {size}")


def range_proof_ranges(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes prove the segment ``[start, end)`` in a tree of ``size``."""
    _check_segment(start, end, size)
    return list(_walk(0, size, start, end))


def range_proof(
    start: int, end: int, size: int, subtree_hash: Callable[[int, int], bytes]
) -> list[bytes]:
    """The range proof of ``[start, end)``, fetched through ``subtree_hash(lo, hi)``."""
    return [subtree_hash(lo, hi) for lo, hi in range_proof_ranges(start, end, size)]


def verify_range(
    leaf_hashes: Sequence[bytes], start: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hashes`` are the leaves ``[start, start + len)`` of the tree of
    ``size`` with ``root``. Raises :class:`VerificationError` if not so proven."""
    if not leaf_hashes:
        raise VerificationError("a range proof needs at least one leaf")
    end = start + len(leaf_hashes)
    try:
        _check_segment(start, end, size)
    except InputError as exc:
        raise VerificationError(str(exc)) from None
    for value in (*leaf_hashes, *proof, root):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise VerificationError(f"a hash in the range proof is not {HASH_SIZE} bytes")
    elements = iter(proof)

    def mth(lo: int, hi: int) -> bytes:
        if hi <= start or lo >= end:
            element = next(elements, None)
            if element is None:
                raise VerificationError(f"range proof of [{start}, {end}) is too short")
            return element
        if hi - lo == 1:
            return leaf_hashes[lo - start]
        k = _split(hi - lo)
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))

    computed = mth(0, size)
    if next(elements, None) is not None:
        raise VerificationError(f"range proof of [{start}, {end}) is too long")
    if computed != root:
        raise VerificationError(
            f"entries [{start}, {end}) do not lead to the root of the tree of size {size}"
        )
