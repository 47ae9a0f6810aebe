"""The decision record: an in-toto Statement v1 with a verification summary, in a signed DSSE
envelope that deploy tooling and auditors check offline.

- **Statement** (``https://in-toto.io/Statement/v1``): the subjects are the candidate's
  artifact digests (``sha256``); with none, its commit (``gitCommit``).
- **Predicate** (``https://slsa.dev/verification_summary/v1``): verifier golive and its
  version, ``timeVerified`` (the decision's ``now``), the policy (name and digest), the
  evidence files as ``inputAttestations`` (path and digest), ``verificationResult``
  ``PASSED`` (pass or overridden) or ``FAILED``, and golive's own fields: the verdict and
  every check's id, outcome and summary.
- **Envelope** (DSSE v1): ``payloadType`` ``application/vnd.in-toto+json``, the payload in
  base64, and an Ed25519 signature over PAE(payloadType, payload); ``keyid`` is the
  SHA-256 of the raw public key. Verification checks the signature over the exact payload
  bytes, never a re-serialisation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from golive.core.gate.model import Decision, Verdict
from golive.errors import VerificationError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
VERIFIER_ID = "https://github.com/golive/golive/gate"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _hex(digest: str) -> tuple[str, str]:
    algo, _, value = digest.rsplit("@", 1)[-1].partition(":")
    return algo.lower(), value.lower()


def statement(decision: Decision) -> dict[str, Any]:
    cand = decision.candidate
    subjects: list[dict[str, Any]] = [
        {"name": cand.deployable or "_", "digest": {algo: value}}
        for algo, value in (_hex(d) for d in cand.digests)
    ]
    if not subjects and cand.commit:
        subjects = [{"name": "_", "digest": {"gitCommit": cand.commit}}]
    passed = decision.verdict in (Verdict.PASS, Verdict.OVERRIDDEN)
    now = decision.now.isoformat().replace("+00:00", "Z")
    algo, value = _hex(decision.policy_digest)
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"golive": decision.golive_version}},
            "timeVerified": now,
            "resourceUri": f"golive:{decision.policy_name}/{decision.environment}",
            "policy": {"uri": f"golive:policy/{decision.policy_name}", "digest": {algo: value}},
            "inputAttestations": [
                {"uri": e.path, "digest": dict([_hex(e.sha256)])}
                for e in decision.evidence
                if e.sha256
            ],
            "verificationResult": "PASSED" if passed else "FAILED",
            "verifiedLevels": [],
            "golive": {
                "verdict": decision.verdict.value,
                "environment": decision.environment,
                "stage": decision.stage,
                "candidate": {"commit": cand.commit, "digests": list(cand.digests)},
                "checks": [
                    {
                        "id": c.id,
                        "type": c.type,
                        "outcome": c.outcome.value,
                        "blocking": c.blocking,
                        "summary": c.summary,
                    }
                    for c in decision.checks
                ],
            },
        },
    }


def sign(decision: Decision, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The decision's statement in a DSSE envelope signed with ``key``."""
    payload = json.dumps(statement(decision), sort_keys=True, separators=(",", ":")).encode()
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {
                "keyid": key_id(key.public_key()),
                "sig": base64.b64encode(signature).decode("ascii"),
            }
        ],
    }


def verify(envelope: object, key: Ed25519PublicKey) -> dict[str, Any]:
    """The statement inside ``envelope`` if a signature by ``key`` checks out; else raise."""
    if not isinstance(envelope, dict):
        raise VerificationError("the file is not a DSSE envelope (a JSON object)")
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise VerificationError(
            f"payloadType is {envelope.get('payloadType')!r}, not {PAYLOAD_TYPE}"
        )
    try:
        payload = base64.b64decode(str(envelope.get("payload", "")), validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("the payload is not base64") from None
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise VerificationError("the envelope carries no signature")
    message = pae(PAYLOAD_TYPE, payload)
    for entry in signatures:
        if not isinstance(entry, dict):
            continue
        try:
            key.verify(base64.b64decode(str(entry.get("sig", "")), validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError):
            continue
        try:
            data = json.loads(payload)
        except ValueError:
            raise VerificationError("the signed payload is not JSON") from None
        if not isinstance(data, dict) or data.get("_type") not in (
            STATEMENT_TYPE,
            "https://in-toto.io/Statement/v0.1",
        ):
            raise VerificationError("the signed payload is not an in-toto Statement")
        return data
    raise VerificationError(f"no signature in the envelope verifies with key {key_id(key)[:16]}")
