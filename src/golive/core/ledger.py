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

import base64
import binascii
import hashlib
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from golive import native
from golive.core.checkpoint import open_checkpoint
from golive.core.merkle import (
    HASH_SIZE,
    leaf_hash,
    node_hash,
    root_from_level,
    verify_consistency,
)
from golive.core.note import Verifier
from golive.errors import InputError, VerificationError

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "LEAF_VERSION",
    "MAX_SAFE_INTEGER",
    "PERSONAL_KEY",
    "BundleReport",
    "Entry",
    "b64",
    "canonical_json",
    "format_time",
    "leaf_parts",
    "parse_json",
    "parse_time",
    "personal_commitment",
    "range_proof",
    "range_proof_ranges",
    "stored_leaf_hashes",
    "unb64",
    "verify_bundle",
    "verify_range",
]

LEAF_VERSION = 1
"""The ``v`` field of every leaf this version of golive writes."""

MAX_SAFE_INTEGER = (1 << 53) - 1
"""Largest integer magnitude JSON carries exactly (I-JSON, RFC 8785 §3.2.2.3)."""

PERSONAL_KEY = "$personal"
"""The one key of the object that replaces a personal value in a leaf."""

_TIME_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_MAX_DEPTH = 64


# --- RFC 8785 canonical JSON -------------------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """The RFC 8785 (JCS) serialisation of ``value`` as UTF-8 bytes.

    Accepts ``None``, ``bool``, ``int`` (magnitude at most 2**53 - 1), finite ``float``,
    ``str``, lists and tuples, and mappings with string keys. Anything else raises
    :class:`InputError` naming where in the value it was found.
    """
    if _is_plain(value, 0):
        # The common case (objects with ASCII keys, lists, strings, safe integers, booleans,
        # null): the C encoder writes exactly the RFC 8785 text. ASCII keys sort the same by
        # code point and by UTF-16 code unit; a lone surrogate fails the UTF-8 encoding and
        # falls through to the checked path below, which names it.
        try:
            if _plain_encoder is not None:
                return "".join(_plain_encoder(value, 0)).encode("utf-8")
            return _dumps(value).encode("utf-8")
        except UnicodeEncodeError:
            pass
    parts: list[str] = []
    _emit(value, parts, "$", 0)
    return "".join(parts).encode("utf-8")


_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
# what _dumps runs, without its Python frames: the C encoder (sorted keys, no whitespace, no
# circularity markers: a plain value is at most _MAX_DEPTH deep, so never circular)
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_plain_encoder = (
    _c_make_encoder(None, None, json.encoder.encode_basestring, None, ":", ",", True, False, False)
    if _c_make_encoder is not None
    else None
)


def _is_plain(value: object, depth: int) -> bool:
    """Whether the C encoder's output for ``value`` is its RFC 8785 text: only exact
    ``dict`` (ASCII string keys), ``list``, ``str``, ``bool``, ``None`` and ``int`` of
    magnitude at most 2**53 - 1, nested at most :data:`_MAX_DEPTH` deep (no floats: their
    ECMAScript spelling differs from ``repr``)."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER  # type: ignore[operator]
    if depth >= _MAX_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str or not key.isascii() or not _is_plain(item, depth + 1):
                return False
        return True
    if kind is list:
        return all(_is_plain(item, depth + 1) for item in value)  # type: ignore[attr-defined]
    return False


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


def _string(text: str, where: str) -> str:
    """A JSON string as RFC 8785 writes it. Python's encoder with ``ensure_ascii`` off
    escapes exactly the RFC's set (quote, backslash, the five short control escapes, other
    control characters as lower-case u00xx); a test pins it against the RFC's examples."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{where}: string holds a lone surrogate (not valid Unicode)") from None
    return _encode_string(text)


_encode_string = json.JSONEncoder(ensure_ascii=False).encode
_encode_basestring = json.encoder.encode_basestring  # what _encode_string calls for a str


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


_DIGIT_RUN = re.compile(r"[0-9]{16,}")


def _may_hold_long_integer(text: str | bytes | bytearray) -> bool:
    """Whether ``text`` may hold an integer literal of 16 digits or more (the only ones
    beyond 2**53 - 1): a run of 16 digits after the start, a colon, a bracket or a comma
    (blanks and a minus sign between). Runs inside strings may say yes; never a wrong no.
    Bytes are scanned with ``translate`` and ``find`` (a regex is ten times slower)."""
    data: Any = text
    before: Any
    blank: Any
    if isinstance(text, str):
        starts = [run.start() for run in _DIGIT_RUN.finditer(text)]
        before, blank = ":[,", " \t\r\n-"
    else:
        digits = bytes(text).translate(_ONE_DIGIT)
        starts, at = [], digits.find(_SIXTEEN)
        while at != -1:  # a hit inside a long run has a digit before it: judged no below
            starts.append(at)
            at = digits.find(_SIXTEEN, at + 16)
        before, blank = b":[,", b" \t\r\n-"
    for start in starts:
        head = data[max(0, start - 64) : start].rstrip(blank)
        if not head or head[-1:] in before:  # the start, a long blank stretch, or a number
            return True
    return False


_ONE_DIGIT = bytes.maketrans(b"123456789", b"000000000")
_SIXTEEN = b"0" * 16


def _parse_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= MAX_SAFE_INTEGER else float(value)


def parse_json(text: str | bytes) -> object:
    """Parse JSON the way a JCS reader does: integers beyond 2**53 - 1 become doubles, so
    that :func:`canonical_json` of the result reproduces canonical input byte for byte."""
    # an integer beyond 2**53 - 1 has at least 16 digits, and a number follows the start,
    # a colon, a bracket or a comma; text with no such place (strings included) needs no
    # per-integer hook, which costs a Python call each
    hook = _parse_int if _may_hold_long_integer(text) else None
    try:
        return json.loads(text, parse_int=hook)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON: {exc}") from None


# --- time -----------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """The one spelling of a timestamp in a leaf: UTC, six fraction digits, ``Z``."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InputError("ledger times must be timezone-aware datetimes")
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    """Parse a time written by :func:`format_time`; refuse any other spelling."""
    try:
        if not isinstance(text, str) or not _TIME_SHAPE.fullmatch(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
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


def _check_text_field(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InputError(f"entry field {name} must be a string")
    if len(value) > 1024:
        raise InputError(f"entry field {name} is longer than 1024 characters")


def leaf_parts(
    *,
    time: str,
    tenant: str,
    actor: str,
    action: str,
    subject: str,
    correlation_id: str,
    payload_json: bytes,
) -> tuple[bytes, bytes]:
    """The leaf bytes of an entry around its index: at index ``i`` the leaf is
    ``head + str(i).encode() + tail``, so storage can serialise an entry before it knows
    its index. ``payload_json`` is ``canonical_json`` of the leaf's payload (an object) and
    ``time`` the output of :func:`format_time`; the text fields are checked as
    :class:`Entry` checks them. ``Entry.leaf`` is built on this, so the bytes are the same.
    """
    fields = (("tenant", tenant), ("actor", actor), ("action", action), ("subject", subject))
    for name, value in (*fields, ("correlation_id", correlation_id)):
        _check_text_field(name, value)
    head = "".join(
        (
            '{"action":',
            _encode_basestring(action),
            ',"actor":',
            _encode_basestring(actor),
            ',"correlation_id":',
            _encode_basestring(correlation_id),
            ',"index":',
        )
    )
    tail = "".join(
        (
            ',"subject":',
            _encode_basestring(subject),
            ',"tenant":',
            _encode_basestring(tenant),
            ',"time":',
            _encode_basestring(time),
            f',"v":{LEAF_VERSION}}}',
        )
    )
    try:
        return head.encode("utf-8"), b',"payload":' + payload_json + tail.encode("utf-8")
    except UnicodeEncodeError:
        for name, value in (*fields, ("correlation_id", correlation_id), ("time", time)):
            _string(value, f"entry field {name}")  # raises, naming the field
        raise


_STORED_LEAF = (
    '\x00{"action":%s,"actor":%s,"correlation_id":%s,"index":%s,"payload":%s,'
    f'"subject":%s,"tenant":%s,"time":%s,"v":{LEAF_VERSION}}}'
)


def stored_leaf_hashes(
    indices: Sequence[Any],
    actions: Sequence[Any],
    actors: Sequence[Any],
    correlation_ids: Sequence[Any],
    payloads: Sequence[Any],
    subjects: Sequence[Any],
    tenants: Sequence[Any],
    times: Sequence[Any],
) -> list[bytes]:
    """The leaf hashes of stored entries, one column per field, taking each stored payload
    text as the canonical JSON it was written as, and checking nothing.

    For a row golive wrote, the result is ``Entry.leaf_hash()`` of the entry it stores
    (the same bytes as :func:`leaf_parts`, built by ``%`` formatting in C, no Python frame
    per entry). For any other row the bytes differ from every leaf golive could have
    written for other field values (the text fields are JSON string literals, so the
    object parses back to exactly these fields), so a hash equal to the leaf committed
    for an index proves the row is the one committed; a different hash says nothing more,
    and the caller decides with the checked path. Raises ``TypeError`` for a text field
    that is not a string and ``UnicodeEncodeError`` for a lone surrogate.
    """
    texts = _stored_texts(
        _STORED_LEAF, indices, actions, actors, correlation_ids, payloads, subjects, tenants, times
    )
    return list(map(_digest, map(_sha256, map(str.encode, texts))))


def stored_leaves(
    indices: Sequence[Any],
    actions: Sequence[Any],
    actors: Sequence[Any],
    correlation_ids: Sequence[Any],
    payloads: Sequence[Any],
    subjects: Sequence[Any],
    tenants: Sequence[Any],
    times: Sequence[Any],
) -> list[bytes]:
    """The leaf data (the bytes after the 0x00 prefix) of stored entries, built exactly as
    :func:`stored_leaf_hashes` builds them before hashing; nothing is checked."""
    texts = _stored_texts(
        _STORED_LEAF[1:],
        indices,
        actions,
        actors,
        correlation_ids,
        payloads,
        subjects,
        tenants,
        times,
    )
    return list(map(str.encode, texts))


def _stored_texts(template: str, *columns: Sequence[Any]) -> Iterator[str]:
    """Each stored row's leaf text by ``%`` formatting ``template`` in C: the text fields
    as JSON string literals, the index and payload as stored (columns in the order of
    :func:`stored_leaf_hashes`)."""
    indices, actions, actors, correlation_ids, payloads, subjects, tenants, times = columns
    encode = _encode_basestring
    return map(
        template.__mod__,
        zip(
            map(encode, actions),
            map(encode, actors),
            map(encode, correlation_ids),
            indices,
            payloads,
            map(encode, subjects),
            map(encode, tenants),
            map(encode, times),
            strict=True,
        ),
    )


_sha256 = hashlib.sha256
_digest = type(_sha256()).digest


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
            _check_text_field(name, getattr(self, name))
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

    def leaf(self, payload_json: bytes | None = None) -> bytes:
        """The leaf bytes: RFC 8785 canonical JSON of :meth:`as_dict`.

        ``payload_json``, when given, must be ``canonical_json(self.payload)`` already
        computed; it is spliced in rather than serialised again (the keys of the leaf are
        fixed, so their canonical order is too).
        """
        head, tail = self.leaf_parts(payload_json)
        return head + str(self.index).encode() + tail

    def leaf_parts(self, payload_json: bytes | None = None) -> tuple[bytes, bytes]:
        """The leaf bytes around the index (:func:`leaf_parts`; ``payload_json`` as in
        :meth:`leaf`)."""
        if payload_json is None:
            payload_json = canonical_json(self.payload)
        return leaf_parts(
            time=self.time,
            tenant=self.tenant,
            actor=self.actor,
            action=self.action,
            subject=self.subject,
            correlation_id=self.correlation_id,
            payload_json=payload_json,
        )

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


def _all_hashes(values: Sequence[bytes]) -> bool:
    """Whether every value is ``bytes`` of :data:`HASH_SIZE`; by C loops, as a million
    leaves is common."""
    if native.enabled() and type(values) is list:
        return native.all_hashes(values)
    return all(map(isinstance, values, itertools.repeat(bytes))) and all(
        map(HASH_SIZE.__eq__, map(len, values))
    )


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
    if not _all_hashes(leaf_hashes) or not _all_hashes([*proof, root]):
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
        if start <= lo and hi <= end:  # wholly inside: its MTH, level by level in C
            return root_from_level(leaf_hashes[lo - start : hi - start])
        k = _split(hi - lo)
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))

    computed = mth(0, size)
    if next(elements, None) is not None:
        raise VerificationError(f"range proof of [{start}, {end}) is too long")
    if computed != root:
        raise VerificationError(
            f"entries [{start}, {end}) do not lead to the root of the tree of size {size}"
        )


# --- bundles: offline verification ------------------------------------------------------------

BUNDLE_FORMAT = "golive-audit-bundle"
"""The ``format`` field of an export bundle."""

BUNDLE_VERSION = 1
"""The ``version`` field of the bundles this version of golive writes and reads."""

MAX_BUNDLE_ENTRIES = 10_000_000
"""Most entries one bundle may hold (a segment of the log, not the whole history)."""


@dataclass(frozen=True, slots=True)
class BundleReport:
    """What a verified bundle proved."""

    origin: str
    start: int
    end: int
    tree_size: int
    root: bytes
    checkpoints: int
    personal_checked: int
    keys: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": True,
            "origin": self.origin,
            "range": {"start": self.start, "end": self.end},
            "tree_size": self.tree_size,
            "root": base64.b64encode(self.root).decode("ascii"),
            "checkpoints": self.checkpoints,
            "personal_checked": self.personal_checked,
            "keys": list(self.keys),
        }


def b64(value: bytes) -> str:
    """Standard padded base64, as in checkpoints."""
    return base64.b64encode(value).decode("ascii")


def unb64(value: object, where: str) -> bytes:
    """Strict padded base64 of a bundle field, or :class:`InputError` naming the field."""
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{where}: not valid padded base64") from None


def _field(data: Mapping[str, object], name: str, kind: type, where: str) -> Any:
    if name not in data:
        raise InputError(f"{where}: field {name!r} is missing")
    value = data[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(f"{where}.{name}: expected an integer")
    if not isinstance(value, kind):
        raise InputError(f"{where}.{name}: expected {kind.__name__}")
    return value


def _hashes(value: object, where: str) -> list[bytes]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list of base64 hashes")
    return [unb64(item, f"{where}[{n}]") for n, item in enumerate(value)]


def verify_bundle(
    bundle: Mapping[str, object], verifiers: Sequence[Verifier], origin: str | None = None
) -> BundleReport:
    """Verify an export bundle with nothing but the log's public keys.

    Every checkpoint must be signed by a known key and name the log ``origin`` (by default
    the name of the keys given); checkpoints must be pairwise consistent (a consistency proof
    between each two consecutive sizes); the entries must be exactly the leaves
    ``[start, end)`` of the tree of the anchor checkpoint (``tree_size``), by the range
    proof; disclosed personal values must match their commitments.

    Malformed bundles raise :class:`InputError` naming the field; anything that does not
    check out raises :class:`VerificationError`.
    """
    anchor = _bundle_anchor(bundle, verifiers, origin)
    start, end, tree_size = anchor.start, anchor.end, anchor.tree_size
    raw_entries = _field(bundle, "entries", list, "bundle")
    if len(raw_entries) > MAX_BUNDLE_ENTRIES:
        raise InputError(f"bundle.entries: more than {MAX_BUNDLE_ENTRIES} entries")
    if len(raw_entries) != end - start:
        raise VerificationError(
            f"bundle holds {len(raw_entries)} entries for the range [{start}, {end}) "
            f"of a tree of size {tree_size}"
        )
    root = anchor.roots[tree_size]
    fast = _fast_entries(bundle, raw_entries, start, tree_size, root)
    if fast is not None:
        personal_checked = fast
    else:
        leaf_hashes: list[bytes] = []
        personal_checked = 0
        for n, item in enumerate(raw_entries):
            where = f"bundle.entries[{n}]"
            entry = Entry.from_dict(item, where)
            extra = sorted(set(item) - _DISCLOSED_KEYS)
            if extra:
                raise VerificationError(
                    f"{where}: {', '.join(map(repr, extra))} not part of any entry the log "
                    "commits to"
                )
            if entry.index != start + n:
                raise VerificationError(f"{where}: index {entry.index}, expected {start + n}")
            leaf_hashes.append(entry.leaf_hash())
            personal_checked += _check_personal(entry, item, where)
        range_proof_hashes = _hashes(bundle.get("range_proof"), "bundle.range_proof")
        try:
            verify_range(leaf_hashes, start, tree_size, range_proof_hashes, root)
        except VerificationError as exc:
            first = _first_bad_hint(start, n=len(leaf_hashes))
            raise VerificationError(f"{exc}{first}") from None
    return anchor.report(personal_checked)


def verify_bundle_hashed(
    bundle: Mapping[str, object],
    leaf_hashes: list[bytes],
    disclosed: Sequence[tuple[int, object]],
    verifiers: Sequence[Verifier],
    origin: str | None = None,
) -> BundleReport | None:
    """:func:`verify_bundle` with the entries' leaf hashes computed elsewhere (golive's
    compiled bundle scanner: each entry's text without whitespace and without its
    ``personal`` member), and the entries that disclose personal values, parsed, with their
    positions. ``bundle``'s own ``entries`` are not read.

    A leaf hash that the range proof ties to the signed root is a committed leaf, so the
    entry's text is that leaf, field for field. Returns None when the hashes do not tie to
    the root or their count is not the range's: :func:`verify_bundle` over the whole bundle
    then names the problem. Everything else raises as :func:`verify_bundle` does.
    """
    anchor = _bundle_anchor(bundle, verifiers, origin)
    start, end, tree_size = anchor.start, anchor.end, anchor.tree_size
    if len(leaf_hashes) != end - start or len(leaf_hashes) > MAX_BUNDLE_ENTRIES:
        return None
    proof = _hashes(bundle.get("range_proof"), "bundle.range_proof")
    try:
        verify_range(leaf_hashes, start, tree_size, proof, anchor.roots[tree_size])
    except VerificationError:
        return None
    checked = 0
    for n, item in disclosed:
        matched = _personal_matches(item)
        if matched is not None:
            checked += matched
            continue
        where = f"bundle.entries[{n}]"  # something is off: the checked path names it
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: expected an object")
        checked += _check_personal(Entry.from_dict(item, where), item, where)
    return anchor.report(checked)


def _personal_matches(item: object) -> int | None:
    """How many personal values a committed entry discloses, when each is well formed and
    matches its commitment in the payload; None otherwise (:func:`_check_personal` then
    says what is wrong). The entry's text is the committed leaf, so it is not re-read as an
    :class:`Entry` first."""
    if type(item) is not dict:
        return None
    disclosed, payload = item.get("personal", {}), item.get("payload")
    if type(disclosed) is not dict or type(payload) is not dict:
        return None
    for name, value in disclosed.items():
        if type(value) is not dict or type(value.get("salt")) is not str:
            return None
        try:
            salt = base64.b64decode(value["salt"].encode("ascii"), validate=True)
            commitment = personal_commitment(value.get("value"), salt) if len(salt) == 32 else None
            if commitment is None or payload.get(name) != commitment:
                return None
        except (binascii.Error, UnicodeEncodeError, ValueError, InputError):
            return None
    return len(disclosed)


@dataclass(frozen=True, slots=True)
class _Anchor:
    """A bundle's checked header: its log, signed roots by size, and the anchored range."""

    origin: str
    roots: dict[int, bytes]
    keys: tuple[str, ...]
    checkpoints: int
    tree_size: int
    start: int
    end: int

    def report(self, personal_checked: int) -> BundleReport:
        return BundleReport(
            origin=self.origin,
            start=self.start,
            end=self.end,
            tree_size=self.tree_size,
            root=self.roots[self.tree_size],
            checkpoints=self.checkpoints,
            personal_checked=personal_checked,
            keys=self.keys,
        )


def _bundle_anchor(
    bundle: Mapping[str, object], verifiers: Sequence[Verifier], origin: str | None
) -> _Anchor:
    """Everything in a bundle but its entries: format, origin, signed and consistent
    checkpoints, the anchor and the range."""
    if not verifiers:
        raise InputError("verifying a bundle needs at least one public key (--key)")
    if not isinstance(bundle, Mapping):
        raise InputError("bundle: expected a JSON object")
    if bundle.get("format") != BUNDLE_FORMAT:
        raise InputError(f"bundle.format: expected {BUNDLE_FORMAT!r}")
    if bundle.get("version") != BUNDLE_VERSION:
        raise InputError(f"bundle.version: this golive reads version {BUNDLE_VERSION}")
    names = sorted({v.name for v in verifiers})
    bundle_origin = _field(bundle, "origin", str, "bundle")
    if origin is None:
        if bundle_origin not in names:
            raise VerificationError(
                f"bundle is for log {bundle_origin!r}, but the keys given are for {names}"
            )
        origin = bundle_origin
    elif bundle_origin != origin:
        raise VerificationError(f"bundle is for log {bundle_origin!r}, expected {origin!r}")

    # checkpoints: signatures, then one root per size
    raw_checkpoints = _field(bundle, "checkpoints", list, "bundle")
    if not raw_checkpoints:
        raise InputError("bundle.checkpoints: at least the anchor checkpoint is needed")
    roots: dict[int, bytes] = {}
    keys: set[str] = set()
    for n, item in enumerate(raw_checkpoints):
        where = f"bundle.checkpoints[{n}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: expected an object")
        note = _field(item, "note", str, where)
        try:
            head, opened = open_checkpoint(note, origin, verifiers)
        except VerificationError as exc:
            raise VerificationError(f"{where}: {exc}") from None
        except InputError as exc:
            raise InputError(f"{where}.note: {exc}") from None
        keys |= {f"{s.name}+{s.key_id:08x}" for s in opened.verified}
        known = roots.setdefault(head.size, head.root_hash)
        if known != head.root_hash:
            raise VerificationError(f"two checkpoints of size {head.size} with different roots")

    # consistency between each two consecutive sizes
    proofs: dict[tuple[int, int], list[bytes]] = {}
    for n, item in enumerate(_field(bundle, "consistency", list, "bundle")):
        where = f"bundle.consistency[{n}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: expected an object")
        key = (_field(item, "old_size", int, where), _field(item, "new_size", int, where))
        proofs[key] = _hashes(item.get("proof"), f"{where}.proof")
    sizes = sorted(size for size in roots if size > 0)
    for old, new in itertools.pairwise(sizes):
        proof = proofs.get((old, new))
        if proof is None:
            raise VerificationError(f"no consistency proof between checkpoints {old} and {new}")
        try:
            verify_consistency(old, new, proof, roots[old], roots[new])
        except VerificationError as exc:
            raise VerificationError(f"checkpoints {old} and {new}: {exc}") from None

    # the anchor and the range
    tree_size = _field(bundle, "tree_size", int, "bundle")
    if tree_size not in roots:
        raise VerificationError(f"no signed checkpoint of the anchor size {tree_size}")
    span = _field(bundle, "range", Mapping, "bundle")
    start = _field(span, "start", int, "bundle.range")
    end = _field(span, "end", int, "bundle.range")
    if not 0 <= start < end <= tree_size:
        raise VerificationError(
            f"bundle.range [{start}, {end}) is not a range of entries of the tree of size "
            f"{tree_size}"
        )
    return _Anchor(origin, roots, tuple(sorted(keys)), len(raw_checkpoints), tree_size, start, end)


_LEAF_KEYS = frozenset(("action", "actor", "correlation_id", "index", "payload"))
_LEAF_KEYS |= {"subject", "tenant", "time", "v"}
_DISCLOSED_KEYS = _LEAF_KEYS | {"personal"}
_LEAF_FIELDS = tuple(
    map(
        operator.itemgetter,
        ("index", "action", "actor", "correlation_id", "payload", "subject", "tenant", "time", "v"),
    )
)
_payload_encoder = _plain_encoder


def _fast_entries(
    bundle: Mapping[str, object],
    items: Sequence[Any],
    start: int,
    tree_size: int,
    root: bytes,
) -> int | None:
    """The bundle's entries in the common case, where they are the leaves the anchor
    commits to; the number of personal values checked, or None if anything at all is off
    (then the entry-by-entry path of :func:`verify_bundle` runs and names it).

    Each leaf is built from the entry's fields with the payload written by the C encoder
    (sorted keys, no whitespace), without checking the fields first: a leaf so built that
    the range proof ties to the signed root *is* a committed leaf, written by golive as RFC
    8785 text, so the entry is well-formed and the checked path would compute the very
    same leaf (a float, a large integer or anything else the C encoder spells differently
    gives other bytes, the root differs, and the checked path decides).
    """
    if _payload_encoder is None or any(type(item) is not dict for item in items):
        return None
    try:
        (indices, actions, actors, ids, payloads, subjects, tenants, times, versions) = (
            list(map(getter, items)) for getter in _LEAF_FIELDS
        )
    except KeyError:  # a field missing
        return None
    if indices != list(range(start, start + len(items))) or set(versions) != {LEAF_VERSION}:
        return None
    keys = list(map(operator.eq, map(dict.keys, items), itertools.repeat(_LEAF_KEYS)))
    if not all(keys):
        disclosed = [n for n, same in enumerate(keys) if not same]
        if any(items[n].keys() != _DISCLOSED_KEYS for n in disclosed):
            return None
    else:
        disclosed = []
    try:
        texts = list(map("".join, map(_payload_encoder, payloads, itertools.repeat(0))))
        leaves = stored_leaf_hashes(indices, actions, actors, ids, texts, subjects, tenants, times)
        proof = _hashes(bundle.get("range_proof"), "bundle.range_proof")
        verify_range(leaves, start, tree_size, proof, root)
        checked = 0
        for n in disclosed:
            item = items[n]
            assert isinstance(item, Mapping)
            where = f"bundle.entries[{n}]"
            checked += _check_personal(Entry.from_dict(item, where), item, where)
    except (InputError, VerificationError, TypeError, ValueError, RecursionError):
        return None
    return checked


def _first_bad_hint(start: int, n: int) -> str:
    return f" (some entry in [{start}, {start + n}) is not what the log committed to)"


def _check_personal(entry: Entry, item: Mapping[str, object], where: str) -> int:
    disclosed = item.get("personal", {})
    if not isinstance(disclosed, Mapping):
        raise InputError(f"{where}.personal: expected an object")
    for name, value in disclosed.items():
        spot = f"{where}.personal.{name}"
        if not isinstance(value, Mapping):
            raise InputError(f"{spot}: expected an object with salt and value")
        salt = unb64(value.get("salt"), f"{spot}.salt")
        commitment = entry.payload.get(name)
        if commitment != personal_commitment(value.get("value"), salt):
            raise VerificationError(
                f"{spot}: the disclosed value does not match the commitment in entry {entry.index}"
            )
    return len(disclosed)
