"""Checkpoints, key rotation, proofs, export bundles and offline verification."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import ORIGIN, T0, checkpoint, fill

from golive.core import ledger as core
from golive.core.checkpoint import open_checkpoint
from golive.core.note import Ed25519Signer, Ed25519Verifier
from golive.errors import InputError, VerificationError
from golive.services import audit
from golive.storage import ledger


@pytest.fixture
def signer(tmp_path: Path) -> Ed25519Signer:
    return audit.generate_key(ORIGIN, tmp_path / "log.key")


@pytest.fixture
def built(engine: sa.Engine, signer: Ed25519Signer) -> sa.Engine:
    """50 entries with checkpoints at sizes 7, 20 and 50."""
    for size in (7, 20, 50):
        with engine.connect() as connection:
            have = ledger.read_frontier(connection).size
        fill(engine, size - have, start=have)
        checkpoint(engine, [signer])
    return engine


def test_keygen_writes_a_0600_key_file_that_loads_back_and_never_overwrites(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k.key"
    signer = audit.generate_key(ORIGIN, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (loaded,) = audit.load_signers([path])
    assert loaded.key_id == signer.key_id
    assert signer.verifier().vkey.startswith(f"{ORIGIN}+{signer.key_id:08x}+")
    with pytest.raises(InputError, match="already exists"):
        audit.generate_key(ORIGIN, path)


def test_a_checkpoint_signs_the_current_head_and_opens_with_the_public_key(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    with built.connect() as connection:
        latest = ledger.latest_checkpoint(connection)
        root = ledger.read_frontier(connection).root()
    assert latest is not None
    assert latest.size == 50
    assert latest.root == root
    head, _ = open_checkpoint(latest.note, ORIGIN, [signer.verifier()])
    assert (head.size, head.root_hash) == (50, root)


def test_key_rotation_one_checkpoint_signed_by_old_and_new_key_bridges_verifiers(
    built: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    new = audit.generate_key(ORIGIN, tmp_path / "new.key")
    fill(built, 5, start=50)
    checkpoint(built, [signer, new])
    fill(built, 5, start=55)
    checkpoint(built, [new])
    with built.connect() as connection:
        bundle = audit.export_bundle(connection, start=0)
    # the old key alone cannot vouch for the checkpoint signed only by the new one
    with pytest.raises(VerificationError):
        core.verify_bundle(bundle, [signer.verifier()])
    report = core.verify_bundle(bundle, [signer.verifier(), new.verifier()])
    assert report.tree_size == 60
    # an auditor who trusted the old key verifies the bridge checkpoint, then the new key
    rotation = [c for c in bundle["checkpoints"] if c["size"] == 55]  # type: ignore[union-attr, index]
    for verifier in (signer.verifier(), new.verifier()):
        head, _ = open_checkpoint(rotation[0]["note"], ORIGIN, [verifier])
        assert head.size == 55


def test_the_scheduler_checkpoints_only_when_the_tree_grew(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    assert audit.scheduled_checkpoint(built, [signer], lambda: T0) is None
    fill(built, 1, start=50)
    made = audit.scheduled_checkpoint(built, [signer], lambda: T0)
    assert made is not None
    assert made.size == 51


def test_a_checkpoint_is_refused_when_the_head_does_not_extend_the_last_one(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    with built.begin() as connection:
        connection.execute(ledger.audit_head.update().values(size=49, frontier=b"\1" * 32 * 3))
        with pytest.raises(VerificationError, match="refusing to sign"):
            audit.issue_checkpoint(connection, [signer], now=T0)


def test_every_inclusion_proof_verifies_offline_against_its_checkpoint(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    with built.connect() as connection:
        for index in range(50):
            for size in (None, 20, 50):
                if size is not None and index >= size:
                    with pytest.raises(InputError, match="not covered"):
                        audit.prove_inclusion(connection, index, checkpoint_size=size)
                    continue
                document = audit.prove_inclusion(connection, index, checkpoint_size=size)
                document = json.loads(json.dumps(document))
                assert "entry" in audit.verify_proof(document, [signer.verifier()])
        for old, new in ((7, 20), (7, 50), (20, 50), (50, 50)):
            document = audit.prove_consistency(connection, old, new)
            assert "extends" in audit.verify_proof(document, [signer.verifier()])


def test_a_proof_with_a_changed_entry_or_a_foreign_key_fails(
    built: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    with built.connect() as connection:
        document = audit.prove_inclusion(connection, 3)
    changed = json.loads(json.dumps(document))
    changed["entry"]["actor"] = "user:mallory"
    with pytest.raises(VerificationError):
        audit.verify_proof(changed, [signer.verifier()])
    stranger = Ed25519Signer(ORIGIN, b"\7" * 32).verifier()
    with pytest.raises(VerificationError):
        audit.verify_proof(document, [stranger])


def test_proofs_are_scoped_to_the_callers_tenant(built: sa.Engine) -> None:
    fill(built, 1, start=50, tenant="globex")
    with built.connect() as connection:
        with pytest.raises(InputError, match="no entry"):
            audit.prove_inclusion(connection, 50, tenant="acme")
        with pytest.raises(InputError, match="no entry"):
            audit.prove_inclusion(connection, 3, tenant="globex")


def test_an_exported_bundle_verifies_with_only_the_public_key(
    built: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.json"
    with built.connect() as connection:
        audit.write_bundle(audit.export_bundle(connection), out)
    report = audit.verify_bundle_file(out, [signer.verifier()])
    assert (report.start, report.end, report.tree_size, report.checkpoints) == (0, 50, 50, 3)
    assert b"user3@example.com" not in out.read_bytes()


@pytest.mark.parametrize(("start", "end"), [(0, 7), (3, 20), (7, 8), (19, 50), (49, 50)])
def test_a_segment_bundle_verifies_against_the_checkpoint_that_covers_it(
    built: sa.Engine, signer: Ed25519Signer, start: int, end: int
) -> None:
    with built.connect() as connection:
        bundle = audit.export_bundle(connection, start=start, end=end)
    report = core.verify_bundle(json.loads(json.dumps(bundle)), [signer.verifier()])
    assert (report.start, report.end) == (start, end)
    assert report.tree_size == min(size for size in (7, 20, 50) if size >= end)


def test_disclosed_personal_values_are_checked_against_their_commitments(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    with built.connect() as connection:
        bundle = audit.export_bundle(connection, include_personal=True)
    report = core.verify_bundle(bundle, [signer.verifier()])
    assert report.personal_checked == 50
    bundle["entries"][4]["personal"]["email"]["value"] = "someone@else"  # type: ignore[index]
    with pytest.raises(VerificationError, match="commitment"):
        core.verify_bundle(bundle, [signer.verifier()])


def test_erasing_personal_values_leaves_every_proof_and_checkpoint_valid(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    with built.begin() as connection:
        assert audit.erase_personal(connection, subject_indices=range(50)) == 50
    with built.connect() as connection:
        assert audit.verify_database(connection, [signer.verifier()]).ok
        bundle = audit.export_bundle(connection, include_personal=True)
    assert core.verify_bundle(bundle, [signer.verifier()]).personal_checked == 0


BUNDLE_TAMPERING = [
    ("entry field", lambda b: b["entries"][5].__setitem__("subject", "release:x")),
    ("entry payload", lambda b: b["entries"][0]["payload"].__setitem__("n", 1)),
    ("entry dropped", lambda b: b["entries"].pop(10)),
    ("entries swapped", lambda b: b["entries"].reverse()),
    ("proof element added", lambda b: b["range_proof"].append(core.b64(b"\0" * 32))),
    ("range moved", lambda b: b["range"].__setitem__("start", 1)),
    ("anchor size", lambda b: b.__setitem__("tree_size", 20)),
    ("anchor checkpoint dropped", lambda b: b["checkpoints"].pop()),
    ("consistency dropped", lambda b: b["consistency"].pop(0)),
    (
        "note edited",
        lambda b: b["checkpoints"][2].__setitem__(
            "note", b["checkpoints"][2]["note"].replace("\n50\n", "\n51\n")
        ),
    ),
]


@pytest.mark.parametrize(("what", "tamper"), BUNDLE_TAMPERING, ids=[t[0] for t in BUNDLE_TAMPERING])
def test_a_tampered_bundle_fails_verification(
    built: sa.Engine, signer: Ed25519Signer, what: str, tamper: object
) -> None:
    with built.connect() as connection:
        bundle = json.loads(json.dumps(audit.export_bundle(connection)))
    tamper(bundle)  # type: ignore[operator]
    with pytest.raises((VerificationError, InputError)):
        core.verify_bundle(bundle, [signer.verifier()])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"format": "other"}', "bundle.format"),
        ('{"format": "golive-audit-bundle", "version": 2}', "bundle.version"),
    ],
)
def test_a_malformed_bundle_is_bad_input_naming_the_file_and_field(
    tmp_path: Path, signer: Ed25519Signer, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as caught:
        audit.verify_bundle_file(path, [signer.verifier()])
    assert str(path) in str(caught.value)


def test_verifier_keys_load_from_strings_and_files(tmp_path: Path, signer: Ed25519Signer) -> None:
    vkey = signer.verifier().vkey
    path = tmp_path / "keys.pub"
    path.write_text(f"# the log key\n{vkey}\n")
    assert (
        audit.load_verifiers([vkey])
        == audit.load_verifiers([str(path)])
        == [Ed25519Verifier.from_vkey(vkey)]
    )
    path.write_text("garbage\n")
    with pytest.raises(InputError, match=f"{path}:1"):
        audit.load_verifiers([str(path)])


def test_two_replicas_waking_together_sign_one_checkpoint(
    built: sa.Engine, signer: Ed25519Signer
) -> None:
    import threading

    fill(built, 3, start=50)
    barrier = threading.Barrier(4)
    made: list[object] = []
    errors: list[BaseException] = []

    def replica() -> None:
        barrier.wait()
        try:
            made.append(audit.scheduled_checkpoint(built, [signer], lambda: T0))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    signed = [m for m in made if m is not None]
    assert len(signed) == 1
    with built.connect() as connection:
        sizes = [c.size for c in ledger.list_checkpoints(connection)]
    assert sizes.count(53) == 1
