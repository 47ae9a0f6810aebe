"""C2SP tlog checkpoints: format, strict parsing, signing, key rotation."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from golive.core import checkpoint as cp
from golive.core import merkle, note
from golive.errors import InputError, VerificationError

DATA = Path(__file__).parent.parent / "data" / "signednote"
ORIGIN = "golive.example.com/acme/prod"
ROOT = merkle.root_from_entries([b"a", b"b", b"c"])
ROOT64 = base64.b64encode(ROOT).decode()


def _signer(name: str = ORIGIN) -> note.Ed25519Signer:
    return note.Ed25519Signer(name, secrets.token_bytes(32))


def test_the_c2sp_example_checkpoint_parses_exactly() -> None:
    opened = note.parse_note((DATA / "c2sp-tlog-checkpoint-example.txt").read_bytes())
    head = cp.parse_checkpoint(opened.text)
    assert head.origin == "example.com/behind-the-sofa"
    assert head.size == 20852163
    assert head.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert head.extensions == ()
    assert head.text() == opened.text
    assert [s.name for s in opened.signatures] == ["example.com/behind-the-sofa"]


SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"


def test_a_real_go_checksum_database_checkpoint_verifies_with_its_public_key() -> None:
    """A signed tree head of sum.golang.org (tests/data/signednote/README.md): a public
    log's checkpoint, not golive's, opens with nothing but the published verifier key, and
    any change to it does not."""
    data = (DATA / "go-sumdb-checkpoint.txt").read_bytes()
    sumdb = note.Ed25519Verifier.from_vkey(SUMDB_KEY)
    head, opened = cp.open_checkpoint(data, "go.sum database tree", [sumdb])
    assert (head.size, head.root_hash.hex()[:16]) == (63_096_908, "f251eb40f4587b82")
    assert [(s.name, s.key_id) for s in opened.verified] == [("sum.golang.org", 0x033DE0AE)]
    for changed in (
        data.replace(b"63096908", b"63096909"),
        data.replace(b"8lHrQPRY", b"8lHrQPRZ"),
        data.replace(b"go.sum database tree", b"go.sum database trees"),
    ):
        with pytest.raises(VerificationError):
            cp.open_checkpoint(changed, "go.sum database tree", [sumdb])
    with pytest.raises(VerificationError, match="expected"):
        cp.open_checkpoint(data, "sum.golang.org", [sumdb])


def test_a_checkpoint_signs_and_opens_with_the_log_key() -> None:
    signer = _signer()
    head = cp.Checkpoint(ORIGIN, 3, ROOT)
    signed = cp.sign_checkpoint(head, [signer])
    assert signed.decode().startswith(f"{ORIGIN}\n3\n{ROOT64}\n\n— {ORIGIN} ")
    opened, _ = cp.open_checkpoint(signed, ORIGIN, [signer.verifier()])
    assert opened == head


def test_key_rotation_a_checkpoint_signed_by_old_and_new_keys_opens_with_either() -> None:
    old, new = _signer(), _signer()
    signed = cp.sign_checkpoint(cp.Checkpoint(ORIGIN, 3, ROOT), [old, new])
    for verifiers in ([old.verifier()], [new.verifier()], [old.verifier(), new.verifier()]):
        head, opened = cp.open_checkpoint(signed, ORIGIN, verifiers)
        assert head.size == 3
        assert len(opened.verified) == len(verifiers)
    with pytest.raises(VerificationError):
        cp.open_checkpoint(signed, ORIGIN, [_signer().verifier()])


def test_a_checkpoint_of_another_log_is_refused() -> None:
    signer = _signer("example.com/other")
    signed = cp.sign_checkpoint(cp.Checkpoint("example.com/other", 3, ROOT), [signer])
    with pytest.raises(VerificationError, match="expected"):
        cp.open_checkpoint(signed, ORIGIN, [signer.verifier()])


def test_a_forged_size_breaks_the_signature() -> None:
    signer = _signer()
    signed = cp.sign_checkpoint(cp.Checkpoint(ORIGIN, 3, ROOT), [signer]).decode()
    with pytest.raises(VerificationError):
        cp.open_checkpoint(signed.replace("\n3\n", "\n4\n", 1), ORIGIN, [signer.verifier()])


def test_the_empty_tree_has_size_zero_and_the_empty_root() -> None:
    head = cp.Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT)
    assert cp.parse_checkpoint(head.text()) == head
    with pytest.raises(InputError):
        cp.Checkpoint(ORIGIN, 0, ROOT)


def test_extension_lines_round_trip() -> None:
    head = cp.Checkpoint(ORIGIN, 3, ROOT, ("ext one", "ext two"))
    assert cp.parse_checkpoint(head.text()) == head


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (f"{ORIGIN}\n3\n{ROOT64}", "newline"),
        (f"{ORIGIN}\n3\n", "origin, a tree size"),
        (f"\n3\n{ROOT64}\n", "origin line is empty"),
        (f"{ORIGIN}\n03\n{ROOT64}\n", "canonical"),
        (f"{ORIGIN}\n+3\n{ROOT64}\n", "canonical"),
        (f"{ORIGIN}\n 3\n{ROOT64}\n", "canonical"),
        (f"{ORIGIN}\n-1\n{ROOT64}\n", "canonical"),
        (f"{ORIGIN}\n３\n{ROOT64}\n", "canonical"),
        (f"{ORIGIN}\n{1 << 64}\n{ROOT64}\n", "64 bits"),
        (f"{ORIGIN}\n3\n{ROOT64[:-1]}\n", "base64"),
        (f"{ORIGIN}\n3\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes"),
        (f"{ORIGIN}\n3\n{ROOT64}\n\n", "extension"),
        (f"{ORIGIN}\n3\n{ROOT64}\next\n\n", "extension"),
    ],
)
def test_malformed_checkpoint_texts_are_rejected(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        cp.parse_checkpoint(text)


def test_the_largest_size_fits() -> None:
    root = base64.b64encode(ROOT).decode()
    assert cp.parse_checkpoint(f"{ORIGIN}\n{(1 << 64) - 1}\n{root}\n").size == (1 << 64) - 1
