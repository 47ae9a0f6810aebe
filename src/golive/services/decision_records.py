"""Signed decision records: write one (``golive gate --attest``), verify one offline.

Keys are PEM files: the private key PKCS#8 (``openssl genpkey -algorithm ed25519``), the
public key SubjectPublicKeyInfo (``openssl pkey -pubout``); an OpenSSH ``ssh-ed25519``
public key line is accepted too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
    load_ssh_public_key,
)

from golive.core.gate import Decision, attestation
from golive.errors import UsageError, VerificationError

MAX_RECORD_BYTES = 16 * 1024 * 1024


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path}: not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        key: object = (
            load_ssh_public_key(data) if data.startswith(b"ssh-") else load_pem_public_key(data)
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not a PEM or OpenSSH public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path}: not an Ed25519 key")
    return key


def write(decision: Decision, key_path: Path, out: Path) -> None:
    from golive.files import write_atomic

    envelope = attestation.sign(decision, load_private_key(key_path))
    write_atomic(out, json.dumps(envelope, indent=2, sort_keys=True) + "\n")


def verify(path: Path, key_path: Path) -> dict[str, Any]:
    key = load_public_key(key_path)
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            raise UsageError(f"{path}: {size:,} bytes is too large for a decision record")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from None
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VerificationError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    return attestation.verify(envelope, key)
