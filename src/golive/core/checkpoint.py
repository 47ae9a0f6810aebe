"""C2SP transparency-log checkpoints (https://c2sp.org/tlog-checkpoint).

A checkpoint is the text of a signed note (:mod:`golive.core.note`) that commits to one tree
head of the ledger::

    <origin>                 unique identity of the log, e.g. golive.example.com/acme/prod
    <tree size>              ASCII decimal, no leading zeros ("0" for the empty tree)
    <root hash>              base64 of the RFC 9162 root at that size (32 bytes)
    [<extension line> ...]   optional, non-empty, opaque; golive writes none

Parsing is strict: a final newline, no empty line among the first three, a canonical
decimal size below 2**64, a root of exactly 32 bytes, non-empty extension lines.

Key rotation follows from the note rules: a checkpoint signed by the old and the new key
opens with either, because signatures from keys a verifier does not know are ignored.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from golive.core.merkle import EMPTY_ROOT, HASH_SIZE
from golive.core.note import OpenedNote, Signer, Verifier, open_note, sign_note
from golive.errors import InputError, VerificationError

__all__ = ["Checkpoint", "open_checkpoint", "parse_checkpoint", "sign_checkpoint"]

_SIZE = re.compile(r"0|[1-9][0-9]*")
_MAX_SIZE = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed tree head: the log's origin, its size and its root hash."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise InputError("a checkpoint origin is one non-empty line")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise InputError("a checkpoint tree size is an integer")
        if not 0 <= self.size <= _MAX_SIZE:
            raise InputError(f"checkpoint tree size {self.size} is out of range")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise InputError(f"a checkpoint root hash is {HASH_SIZE} bytes")
        if self.size == 0 and self.root_hash != EMPTY_ROOT:
            raise InputError("the empty tree's root is SHA-256 of the empty string")
        for line in self.extensions:
            if not isinstance(line, str) or not line or "\n" in line:
                raise InputError("a checkpoint extension is one non-empty line")

    def text(self) -> str:
        """The note text of this checkpoint, ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (without its signatures)."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise InputError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise InputError("checkpoint text needs an origin, a tree size and a root hash")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise InputError("checkpoint origin line is empty")
    if not _SIZE.fullmatch(size_text):
        raise InputError(f"checkpoint tree size {size_text!r} is not a canonical decimal")
    size = int(size_text)
    if size > _MAX_SIZE:
        raise InputError(f"checkpoint tree size {size_text} does not fit in 64 bits")
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError("checkpoint root hash is not valid padded base64") from None
    if len(root) != HASH_SIZE:
        raise InputError(f"checkpoint root hash is {len(root)} bytes, not {HASH_SIZE}")
    if any(not line for line in extensions):
        raise InputError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, size, root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> bytes:
    """The checkpoint as a signed note, signed by every one of ``signers``."""
    return sign_note(checkpoint.text(), signers)


def open_checkpoint(
    data: bytes | str, origin: str, verifiers: Iterable[Verifier]
) -> tuple[Checkpoint, OpenedNote]:
    """Verify a signed checkpoint of the log ``origin`` against the known keys.

    Raises :class:`InputError` if malformed and :class:`VerificationError` if no known key
    signed it, a known key's signature is invalid, or it belongs to another log.
    """
    opened = open_note(data, verifiers)
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint, opened
