"""The audit ledger's files, with no database: signing and verifier keys, export bundles
and proofs, written, read and verified offline.

``golive audit verify --bundle`` and ``--proof`` use only this module (an auditor has the
file and the log's public key, nothing else), so it imports neither SQLAlchemy nor the
settings: the command starts in a fraction of the time the database commands take.
:mod:`golive.services.audit` re-exports everything here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from golive import native
from golive.core import ledger as core
from golive.core import tiles
from golive.core.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from golive.core.merkle import verify_consistency, verify_inclusion
from golive.core.note import Ed25519Signer, Ed25519Verifier, Signer, Verifier, parse_note
from golive.errors import InputError, VerificationError

__all__ = [
    "BUNDLE_MAX_BYTES",
    "generate_key",
    "load_bundle",
    "load_signers",
    "load_verifiers",
    "verify_bundle_file",
    "verify_proof",
    "verify_tiles_dir",
    "write_bundle",
]

BUNDLE_MAX_BYTES = 4 * 1024 * 1024 * 1024
"""Largest bundle file read (4 GiB): archives of long segments are big but finite."""

_KEY_MAX_BYTES = 64 * 1024


# --- keys -------------------------------------------------------------------------------------


def generate_key(name: str, path: Path) -> Ed25519Signer:
    """Make an Ed25519 signing key named ``name`` (the log's origin) and write its signer
    key string to ``path`` with mode 0600. Refuses to overwrite an existing file."""
    signer = Ed25519Signer(name, secrets.token_bytes(32))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{path}: already exists; golive never overwrites a key") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot create the key file: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(signer.skey + "\n")
    return signer


def _read_small(path: Path, what: str) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(_KEY_MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if len(data) > _KEY_MAX_BYTES:
        raise InputError(f"{path}: larger than a {what} can be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: the {what} is not UTF-8 text") from None


def load_signers(paths: Iterable[Path]) -> list[Signer]:
    """Signing keys from files written by :func:`generate_key` (one ``PRIVATE+KEY+...``
    line each). Several keys sign together during a rotation; they must share one name."""
    signers: list[Signer] = []
    for path in paths:
        text = _read_small(Path(path), "signing key").strip()
        try:
            signers.append(Ed25519Signer.from_skey(text))
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    if not signers:
        raise InputError("no signing key: pass --key FILE or set GOLIVE_AUDIT_KEY")
    names = {s.name for s in signers}
    if len(names) > 1:
        raise InputError(f"signing keys name different logs {sorted(names)}; one origin per log")
    return signers


def load_verifiers(values: Iterable[str]) -> list[Verifier]:
    """Public keys from verifier key strings, or files holding one per line."""
    verifiers: list[Verifier] = []
    for value in values:
        if "+" in value and not Path(value).exists():
            verifiers.append(Ed25519Verifier.from_vkey(value.strip()))
            continue
        path = Path(value)
        lines = [line.strip() for line in _read_small(path, "public key").splitlines()]
        for number, line in enumerate(lines, 1):
            if not line or line.startswith("#"):
                continue
            try:
                verifiers.append(Ed25519Verifier.from_vkey(line))
            except InputError as exc:
                raise InputError(f"{path}:{number}: {exc}") from None
    if not verifiers:
        raise InputError("no public key: pass --key with a verifier key or a file of them")
    return verifiers


# --- proofs -----------------------------------------------------------------------------------


def verify_proof(document: Mapping[str, object], verifiers: Sequence[Verifier]) -> str:
    """Check a document from :func:`prove_inclusion` or :func:`prove_consistency` offline.
    Returns a one-line description of what was proven."""
    kind = document.get("kind")
    names = sorted({v.name for v in verifiers})
    if kind == "inclusion":
        note = _text(document, "checkpoint")
        head = _open_any(note, names, verifiers)
        entry = core.Entry.from_dict(_mapping(document, "entry"), "proof.entry")
        proof = [core.unb64(h, "proof.proof") for h in _list(document, "proof")]
        verify_inclusion(entry.leaf_hash(), entry.index, head.size, proof, head.root_hash)
        return f"entry {entry.index} is in the tree of size {head.size} of {head.origin}"
    if kind == "consistency":
        old = _open_any(_text(document, "old_checkpoint"), names, verifiers)
        new = _open_any(_text(document, "new_checkpoint"), names, verifiers)
        proof = [core.unb64(h, "proof.proof") for h in _list(document, "proof")]
        verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)
        return f"the tree of size {new.size} extends the tree of size {old.size}"
    raise InputError("proof.kind: expected 'inclusion' or 'consistency'")


def _open_any(note: str, names: Sequence[str], verifiers: Sequence[Verifier]) -> Checkpoint:
    origin = parse_checkpoint(parse_note(note).text).origin
    if origin not in names:
        raise VerificationError(f"checkpoint is for log {origin!r}; the keys given are {names}")
    return open_checkpoint(note, origin, verifiers)[0]


def _text(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise InputError(f"proof.{name}: expected a string")
    return value


def _mapping(data: Mapping[str, object], name: str) -> Mapping[str, object]:
    value = data.get(name)
    if not isinstance(value, Mapping):
        raise InputError(f"proof.{name}: expected an object")
    return value


def _list(data: Mapping[str, object], name: str) -> list[object]:
    value = data.get(name)
    if not isinstance(value, list):
        raise InputError(f"proof.{name}: expected a list")
    return value


# --- tiles ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TilesCheck:
    """A verified tlog-tiles copy: its log, signers and what was checked."""

    origin: str
    keys: tuple[str, ...]
    report: tiles.TilesReport

    def as_dict(self) -> dict[str, object]:
        return {"origin": self.origin, "keys": list(self.keys), **self.report.as_dict()}


_TILE_FILE_MAX = tiles.WIDTH * (2 + tiles.MAX_ENTRY_BYTES)


def verify_tiles_dir(
    path: Path, verifiers: Sequence[Verifier], origin: str | None = None
) -> TilesCheck:
    """Verify a directory written by ``golive audit export --tiles`` (or any C2SP
    tlog-tiles copy of a golive log) offline: the checkpoint's signature with the given
    keys, then every tile and entry bundle against it (:func:`tiles.verify_tiles`)."""
    if not path.is_dir():
        raise InputError(f"{path}: not a directory of tiles")
    note = _read_small(path / "checkpoint", "checkpoint")
    names = sorted({v.name for v in verifiers})
    try:
        if origin is None:
            origin = parse_checkpoint(parse_note(note).text).origin
            if origin not in names:
                raise VerificationError(
                    f"checkpoint is for log {origin!r}; the keys given are {names}"
                )
        head, opened = open_checkpoint(note, origin, verifiers)
    except InputError as exc:
        raise InputError(f"{path / 'checkpoint'}: {exc}") from None

    def read(relative: str) -> bytes | None:
        file = path / relative
        try:
            with file.open("rb") as handle:
                data = handle.read(_TILE_FILE_MAX + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise InputError(f"{file}: cannot read: {exc.strerror}") from None
        if len(data) > _TILE_FILE_MAX:
            raise VerificationError(f"{relative}: larger than a tile or entry bundle can be")
        return data

    report = tiles.verify_tiles(head.size, head.root_hash, read)
    keys = sorted({f"{s.name}+{s.key_id:08x}" for s in opened.verified})
    return TilesCheck(origin=origin, keys=tuple(keys), report=report)


# --- bundles ----------------------------------------------------------------------------------


def write_bundle(bundle: Mapping[str, object], path: Path) -> str:
    """Write a bundle as JSON; return the SHA-256 (hex) of the bytes written."""
    data = (json.dumps(bundle, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the bundle: {exc.strerror}") from None
    return hashlib.sha256(data).hexdigest()


def load_bundle(path: Path) -> tuple[dict[str, object], str]:
    """Read a bundle file; return it and the SHA-256 (hex) of its bytes."""
    data = _bundle_bytes(path)
    return _parse_bundle(path, data), hashlib.sha256(data).hexdigest()


def _bundle_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > BUNDLE_MAX_BYTES:
            raise InputError(f"{path}: larger than {BUNDLE_MAX_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the bundle: {exc.strerror}") from None


def _parse_bundle(path: Path, data: bytes) -> dict[str, object]:
    try:
        bundle = core.parse_json(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    if not isinstance(bundle, dict):
        raise InputError(f"{path}: a bundle is a JSON object")
    return bundle


def verify_bundle_file(
    path: Path, verifiers: Sequence[Verifier], origin: str | None = None
) -> core.BundleReport:
    """Verify a bundle file offline: no database, no server.

    With golive's compiled extension the entries are never parsed: each entry's leaf is
    hashed from its text (:func:`core.verify_bundle_hashed`), and only the header and the
    entries that disclose personal values are parsed; memory stays near the file's size.
    Whatever that path does not accept, the whole bundle is parsed and checked entry by
    entry, which names the problem."""
    with _bundle_view(path) as data:
        try:
            report = _verify_bundle_scanned(data, verifiers, origin)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
        if report is not None:
            return report
        bundle = _parse_bundle(path, data if isinstance(data, bytes) else data[:])
    try:
        return core.verify_bundle(bundle, verifiers, origin)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


@contextlib.contextmanager
def _bundle_view(path: Path) -> Iterator[bytes | mmap.mmap]:
    """A bundle file's bytes, read once: with the compiled scanner, the file mapped
    read-only where it can be (a regular file, not empty), as reading 354 MB into memory
    took longer than a third of scanning it; otherwise read."""
    mapped = None
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > BUNDLE_MAX_BYTES:
                raise InputError(f"{path}: larger than {BUNDLE_MAX_BYTES} bytes")
            if native.enabled() and stat.S_ISREG(info.st_mode) and info.st_size > 0:
                with contextlib.suppress(OSError, ValueError):
                    mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            data = handle.read(BUNDLE_MAX_BYTES + 1) if mapped is None else b""
    except OSError as exc:
        raise InputError(f"{path}: cannot read the bundle: {exc.strerror}") from None
    if mapped is None:
        if len(data) > BUNDLE_MAX_BYTES:
            raise InputError(f"{path}: larger than {BUNDLE_MAX_BYTES} bytes")
        yield data
        return
    with mapped:
        yield mapped


def _verify_bundle_scanned(
    data: bytes | mmap.mmap, verifiers: Sequence[Verifier], origin: str | None
) -> core.BundleReport | None:
    """The compiled path of :func:`verify_bundle_file`, or None to parse the whole file."""
    if not native.enabled():
        return None
    found = native.bundle_entries(data)
    if found is None:
        return None
    start, end, leaves, spans = found
    try:
        header = core.parse_json(data[:start] + b"[]" + data[end:])
        # the disclosing entries parsed in one call: one array of their texts
        parsed = core.parse_json(b"[" + b",".join([data[a:b] for _, a, b in spans]) + b"]")
    except InputError:
        return None
    if not isinstance(header, dict) or not isinstance(parsed, list) or len(parsed) != len(spans):
        return None
    disclosed = list(zip([n for n, _, _ in spans], parsed, strict=True))
    return core.verify_bundle_hashed(header, leaves, disclosed, verifiers, origin)
