"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a text, a blank line, and one or more signature lines::

    <text, ending in a newline>
    <blank line>
    — <key name> <base64(4-byte key ID || signature)>

The key ID of an Ed25519 key is the first four bytes of
``SHA-256(name || 0x0A || 0x01 || 32-byte public key)``, read as a big-endian integer.
Keys travel as the strings of Go's ``golang.org/x/mod/sumdb/note``:

- verifier key: ``<name>+<8 hex digits of key ID>+<base64(0x01 || public key)>``
- signer key: ``PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 || 32-byte seed)>``

so keys and notes are interchangeable with the Go tooling (sumdb, transparency-dev witnesses).

Parsing is strict, and :func:`open_note` applies the spec's verifier rules:

- the note is valid UTF-8 with no control character other than newline;
- the text ends in a newline and is split from the signatures at the *last* blank line;
- every signature line is ``— name base64`` with a valid key name and at least 5 bytes of
  strict, padded base64; at most :data:`MAX_SIGNATURES` lines;
- a signature is attributed by the pair (key name, key ID): signatures from unknown keys are
  kept as unverified and otherwise ignored, even when they share the name or the ID of a
  known key; a known key's signature that fails to verify rejects the whole note; a note
  with no verified signature is rejected.

Malformed input raises :class:`golive.errors.InputError`; a signature that does not check out
raises :class:`golive.errors.VerificationError`. Nothing here reads keys from files or makes
randomness: key seeds come in as bytes (``secrets.token_bytes(32)`` at the edge).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from golive.errors import InputError, VerificationError

__all__ = [
    "ALG_ED25519",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "OpenedNote",
    "Signature",
    "Signer",
    "Verifier",
    "check_key_name",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]

ALG_ED25519 = 0x01
"""The C2SP signature type byte of plain Ed25519 note signatures."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in one note (the spec asks for at least 16; Go uses 100)."""

MAX_NOTE_BYTES = 1 << 20
"""Largest note accepted (1 MiB): a checkpoint with 100 post-quantum signatures fits."""

_SIG_PREFIX = "— "  # em dash U+2014, space
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_ED25519_KEY_SIZE = 32
_ED25519_SIG_SIZE = 64


def check_key_name(name: str) -> None:
    """Raise :class:`InputError` unless ``name`` is a valid key name (non-empty, no Unicode
    space, no ``+``). Names are best schema-less URLs such as ``golive.example.com/acme``."""
    if not isinstance(name, str) or not name:
        raise InputError("a key name must be a non-empty string")
    if "+" in name or any(ch.isspace() for ch in name):
        raise InputError(f"key name {name!r} must not contain spaces or '+'")
    _check_text_chars(name, "key name")


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """The recommended C2SP key ID: ``SHA-256(name || 0x0A || alg || public_key)[:4]``."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not valid padded base64") from None


def _b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _check_text_chars(text: str, what: str) -> None:
    for ch in text:
        if ch < " " and ch != "\n":
            raise InputError(f"{what} contains the control character {ch!r}")
        if "\ud800" <= ch <= "\udfff":
            raise InputError(f"{what} is not valid UTF-8")


# --- keys -------------------------------------------------------------------------------------


class Verifier(Protocol):
    """Checks signatures of one key, identified by (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class Signer(Protocol):
    """Signs note texts with one key, identified by (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, message: bytes) -> bytes: ...


class Ed25519Verifier:
    """An Ed25519 note verifier: a key name and a 32-byte RFC 8032 public key."""

    __slots__ = ("_key", "_key_id", "_name", "_public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        if not isinstance(public_key, bytes) or len(public_key) != _ED25519_KEY_SIZE:
            raise InputError(f"an Ed25519 public key is {_ED25519_KEY_SIZE} bytes")
        self._name = name
        self._public_key = public_key
        self._key = Ed25519PublicKey.from_public_bytes(public_key)
        self._key_id = key_id(name, ALG_ED25519, public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        """Parse a verifier key ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        if not isinstance(vkey, str):
            raise InputError("a verifier key must be a string")
        name, _, rest = vkey.partition("+")
        hex_id, _, key64 = rest.partition("+")
        check_key_name(name)
        if not _HEX8.fullmatch(hex_id):
            raise InputError(f"verifier key for {name!r} has a malformed key ID")
        raw = _b64decode(key64, f"verifier key for {name!r}")
        if not raw:
            raise InputError(f"verifier key for {name!r} has no key material")
        if key_id(name, raw[0], raw[1:]) != int(hex_id, 16):
            raise InputError(f"verifier key for {name!r}: key ID does not match the key")
        if raw[0] != ALG_ED25519 or len(raw) != 1 + _ED25519_KEY_SIZE:
            raise InputError(f"verifier key for {name!r} is not an Ed25519 key")
        return cls(name, raw[1:])

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key

    @property
    def vkey(self) -> str:
        """This key as a verifier key string."""
        material = _b64encode(bytes([ALG_ED25519]) + self._public_key)
        return f"{self._name}+{self._key_id:08x}+{material}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != _ED25519_SIG_SIZE:
            return False
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ed25519Verifier):
            return NotImplemented
        return (self._name, self._public_key) == (other._name, other._public_key)

    def __hash__(self) -> int:
        return hash((self._name, self._public_key))

    def __repr__(self) -> str:
        return f"Ed25519Verifier({self.vkey!r})"


class Ed25519Signer:
    """An Ed25519 note signer. The seed never appears in ``repr`` or ``str``."""

    __slots__ = ("_key", "_seed", "_verifier")

    def __init__(self, name: str, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != _ED25519_KEY_SIZE:
            raise InputError(f"an Ed25519 private key seed is {_ED25519_KEY_SIZE} bytes")
        self._seed = seed
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self._verifier = Ed25519Verifier(name, self._key.public_key().public_bytes_raw())

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """Parse a signer key ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        if not isinstance(skey, str):
            raise InputError("a signer key must be a string")
        priv, _, rest = skey.partition("+")
        key, _, rest = rest.partition("+")
        name, _, rest = rest.partition("+")
        hex_id, _, key64 = rest.partition("+")
        if priv != "PRIVATE" or key != "KEY":
            raise InputError("a signer key starts with PRIVATE+KEY+")
        check_key_name(name)
        if not _HEX8.fullmatch(hex_id):
            raise InputError(f"signer key for {name!r} has a malformed key ID")
        raw = _b64decode(key64, f"signer key for {name!r}")
        if len(raw) != 1 + _ED25519_KEY_SIZE or raw[0] != ALG_ED25519:
            raise InputError(f"signer key for {name!r} is not an Ed25519 key")
        signer = cls(name, raw[1:])
        if signer.key_id != int(hex_id, 16):
            raise InputError(f"signer key for {name!r}: key ID does not match the key")
        return signer

    @property
    def name(self) -> str:
        return self._verifier.name

    @property
    def key_id(self) -> int:
        return self._verifier.key_id

    @property
    def skey(self) -> str:
        """This key as a signer key string. It is the secret: store it like a password."""
        material = _b64encode(bytes([ALG_ED25519]) + self._seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{material}"

    def verifier(self) -> Ed25519Verifier:
        """The public half, to publish and to verify with."""
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Ed25519Signer(name={self.name!r}, key_id={self.key_id:08x})"


# --- notes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: who signed (name, key ID) and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, with its final newline."""
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {_b64encode(blob)}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A note as written: its text (ending in a newline) and its signature lines, in order."""

    text: str
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        """The note in its wire form."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures were checked: ``verified`` by known keys, the rest unverified."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def _check_note_text(text: str) -> None:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise InputError("note text must end with a newline")
    _check_text_chars(text, "note text")


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into text and signature lines, checking only its syntax."""
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE_BYTES:
            raise InputError(f"note is larger than {MAX_NOTE_BYTES} bytes")
        try:
            message = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("note is not valid UTF-8") from None
    else:
        message = data
        if len(message.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
            raise InputError(f"note is larger than {MAX_NOTE_BYTES} bytes")
    _check_text_chars(message, "note")
    split = message.rfind("\n\n")
    if split < 0:
        raise InputError("note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block:
        raise InputError("note has no signature lines")
    if not block.endswith("\n"):
        raise InputError("note's last signature line does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InputError(f"note has more than {MAX_SIGNATURES} signature lines")
    return Note(text, tuple(_parse_signature_line(line, n) for n, line in enumerate(lines, 1)))


def _parse_signature_line(line: str, number: int) -> Signature:
    where = f"signature line {number}"
    if not line.startswith(_SIG_PREFIX):
        raise InputError(f"{where} does not start with an em dash and a space")
    name, _, blob64 = line[len(_SIG_PREFIX) :].partition(" ")
    try:
        check_key_name(name)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    blob = _b64decode(blob64, where)
    if len(blob) < 5:
        raise InputError(f"{where} is too short to hold a key ID and a signature")
    return Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def sign_note(text: str, signers: Sequence[Signer], existing: Iterable[Signature] = ()) -> bytes:
    """Sign ``text`` with every signer; keep ``existing`` signatures of other keys after them.

    An existing signature by the same (name, key ID) as one of the signers is replaced.
    """
    _check_note_text(text)
    if not signers:
        raise InputError("a note needs at least one signer")
    message = text.encode()
    fresh = []
    for signer in signers:
        check_key_name(signer.name)
        fresh.append(Signature(signer.name, signer.key_id, signer.sign(message)))
    ours = {(s.name, s.key_id) for s in fresh}
    kept = [s for s in existing if (s.name, s.key_id) not in ours]
    for signature in kept:
        check_key_name(signature.name)
    note = Note(text, tuple(fresh + kept))
    if len(note.signatures) > MAX_SIGNATURES:
        raise InputError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return note.to_bytes()


def open_note(data: bytes | str, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Parse a signed note and verify it against the known keys ``verifiers``.

    Raises :class:`InputError` if malformed, :class:`VerificationError` if a known key's
    signature is invalid or no known key signed the note.
    """
    note = parse_note(data)
    known: dict[tuple[str, int], list[Verifier]] = {}
    for verifier in verifiers:
        known.setdefault((verifier.name, verifier.key_id), []).append(verifier)
    message = note.text.encode()
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    for signature in note.signatures:
        who = (signature.name, signature.key_id)
        candidates = known.get(who)
        if candidates is None:
            if signature not in unverified:
                unverified.append(signature)
            continue
        if len(candidates) > 1:
            raise InputError(f"ambiguous key {signature.name}+{signature.key_id:08x}")
        if who in seen:
            continue
        seen.add(who)
        if not candidates[0].verify(message, signature.signature):
            raise VerificationError(
                f"invalid signature for key {signature.name}+{signature.key_id:08x}"
            )
        verified.append(signature)
    if not verified:
        raise VerificationError("note has no signature from a known key")
    return OpenedNote(note.text, tuple(verified), tuple(unverified))
