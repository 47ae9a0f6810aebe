"""C2SP signed notes: the Go reference vectors, the C2SP example, and the strict parser."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from golive.core import note
from golive.errors import InputError, VerificationError

DATA = Path(__file__).parent.parent / "data" / "signednote"
GO = json.loads((DATA / "go-note-vectors.json").read_text())
TEXT: str = GO["text"]
PETER_SIG: str = GO["peter"]["signatureLine"]
ENOCH_SIG: str = GO["enoch"]["signatureLine"]
PETER = note.Ed25519Verifier.from_vkey(GO["peter"]["vkey"])
ENOCH = note.Ed25519Verifier.from_vkey(GO["enoch"]["vkey"])


def _signer(name: str) -> note.Ed25519Signer:
    return note.Ed25519Signer(name, secrets.token_bytes(32))


# --- the Go reference vectors -------------------------------------------------------------------


def test_the_go_signer_key_reproduces_the_published_note_byte_for_byte() -> None:
    signer = note.Ed25519Signer.from_skey(GO["peter"]["skey"])
    assert note.sign_note(TEXT, [signer]) == (TEXT + "\n" + PETER_SIG).encode()
    assert signer.verifier() == PETER
    assert signer.skey == GO["peter"]["skey"]


def test_verifier_keys_round_trip_and_carry_the_spec_key_id() -> None:
    assert PETER.vkey == GO["peter"]["vkey"]
    assert PETER.key_id == 0xC74F20A3
    assert note.key_id("PeterNeumann", note.ALG_ED25519, PETER.public_key) == 0xC74F20A3
    assert ENOCH.key_id == 0xAF0CFE78


def test_a_note_signed_by_two_keys_opens_with_either_and_reports_the_other_unverified() -> None:
    message = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    only_peter = note.open_note(message, [PETER])
    assert only_peter.text == TEXT
    assert [s.name for s in only_peter.verified] == ["PeterNeumann"]
    assert [(s.name, s.key_id) for s in only_peter.unverified] == [("EnochRoot", 0xAF0CFE78)]
    both = note.open_note(message, [PETER, ENOCH])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    assert both.unverified == ()
    with pytest.raises(VerificationError, match="no signature from a known key"):
        note.open_note(message, [])


def test_a_corrupted_signature_from_a_known_key_rejects_the_whole_note() -> None:
    corrupt = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(VerificationError, match="invalid signature for key PeterNeumann"):
        note.open_note(TEXT + "\n" + corrupt, [PETER])


def test_a_changed_text_fails_verification() -> None:
    changed = TEXT.replace("cryptography", "cryptographY")
    with pytest.raises(VerificationError):
        note.open_note(changed + "\n" + PETER_SIG, [PETER])


def test_repeated_signatures_are_reported_once() -> None:
    corrupt_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    message = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + corrupt_enoch
    opened = note.open_note(message, [PETER])
    assert len(opened.verified) == 1
    assert len(opened.unverified) == 2


def test_two_verifiers_for_the_same_name_and_id_are_ambiguous_only_when_used() -> None:
    with pytest.raises(InputError, match="ambiguous key EnochRoot"):
        note.open_note(TEXT + "\n" + ENOCH_SIG, [ENOCH, PETER, ENOCH])
    assert note.open_note(TEXT + "\n" + PETER_SIG, [ENOCH, PETER, ENOCH]).verified


def test_a_known_name_with_another_key_id_is_an_unknown_key_and_is_ignored() -> None:
    impostor = note.Ed25519Signer("PeterNeumann", secrets.token_bytes(32))
    message = note.sign_note(TEXT, [impostor]).decode() + PETER_SIG
    opened = note.open_note(message, [PETER])
    assert [s.key_id for s in opened.unverified] == [impostor.key_id]


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + "— Bad Name " + PETER_SIG.split(" ")[2],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * (note.MAX_SIGNATURES + 1),
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("—", "-"),
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),
        TEXT + "\n" + "— PeterNeumann AAAA\n",
        TEXT + "\n" + "— Peter+Neumann " + PETER_SIG.split(" ")[2],
        TEXT + "\n" + "—  " + PETER_SIG.split(" ")[2],
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "no-final-newline",
        "control-character",
        "name-with-space",
        "text-after-signatures",
        "too-many-signatures",
        "crlf-line-endings",
        "hyphen-instead-of-em-dash",
        "base64-without-padding",
        "signature-shorter-than-5-bytes",
        "plus-in-name",
        "empty-name",
    ],
)
def test_malformed_notes_are_rejected_before_any_verification(message: str) -> None:
    with pytest.raises(InputError):
        note.open_note(message, [PETER])


def test_invalid_utf8_is_rejected() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        note.open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [PETER])


def test_a_note_larger_than_the_limit_is_rejected() -> None:
    with pytest.raises(InputError, match="larger than"):
        note.parse_note(b"a" * (note.MAX_NOTE_BYTES + 1))


def test_sixteen_signatures_are_accepted() -> None:
    signers = [_signer(f"example.com/witness{i}") for i in range(16)]
    message = note.sign_note("golive\n", signers)
    opened = note.open_note(message, [s.verifier() for s in signers])
    assert len(opened.verified) == 16


def test_the_text_may_hold_blank_lines_and_splits_at_the_last_one() -> None:
    signer = _signer("golive.example.com/log")
    text = "first\n\nsecond\n\n"
    opened = note.open_note(note.sign_note(text, [signer]), [signer.verifier()])
    assert opened.text == text


# --- keys ----------------------------------------------------------------------------------


def test_every_substring_and_every_byte_change_of_a_verifier_key_is_rejected() -> None:
    vkey = GO["peter"]["vkey"]
    for i in range(len(vkey) + 1):
        for j in range(i + 1, len(vkey) + 1):
            if (i, j) != (0, len(vkey)):
                with pytest.raises(InputError):
                    note.Ed25519Verifier.from_vkey(vkey[i:j])
    for i in range(len(vkey)):
        mangled = vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :]
        with pytest.raises(InputError):
            note.Ed25519Verifier.from_vkey(mangled)


@pytest.mark.parametrize("vkey", GO["badVerifierKeys"], ids=["wrong-length-key", "unknown-alg"])
def test_verifier_keys_with_a_matching_id_but_a_bad_key_are_rejected(vkey: str) -> None:
    with pytest.raises(InputError):
        note.Ed25519Verifier.from_vkey(vkey)


def test_every_substring_and_every_byte_change_of_a_signer_key_is_rejected() -> None:
    skey = GO["peter"]["skey"]
    for i in range(len(skey) + 1):
        for j in range(i + 1, len(skey) + 1):
            if (i, j) != (0, len(skey)):
                with pytest.raises(InputError):
                    note.Ed25519Signer.from_skey(skey[i:j])
    for i in range(len(skey)):
        mangled = skey[:i] + chr(ord(skey[i]) + 1) + skey[i + 1 :]
        with pytest.raises(InputError):
            note.Ed25519Signer.from_skey(mangled)


def test_a_signer_never_shows_its_secret() -> None:
    signer = note.Ed25519Signer.from_skey(GO["peter"]["skey"])
    secret = GO["peter"]["skey"].rsplit("+", 1)[1]
    assert secret not in repr(signer)
    assert secret not in str(signer)


def test_generated_keys_round_trip_through_their_strings() -> None:
    signer = _signer("golive.example.com/acme/prod")
    again = note.Ed25519Signer.from_skey(signer.skey)
    assert again.verifier() == signer.verifier()
    assert note.Ed25519Verifier.from_vkey(signer.verifier().vkey) == signer.verifier()


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\tname", "nbsp\u00a0name", "ctl\x01"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(InputError):
        note.Ed25519Signer(name, bytes(32))


# --- signing ---------------------------------------------------------------------------------


def test_signing_refuses_text_without_final_newline_or_with_control_characters() -> None:
    signer = _signer("golive.example.com/log")
    for text in ["abc", "a\rb\n", "a\x00\n"]:
        with pytest.raises(InputError):
            note.sign_note(text, [signer])


def test_resigning_replaces_the_signers_old_signature_and_keeps_the_others() -> None:
    old, new = _signer("golive.example.com/log"), _signer("golive.example.com/log")
    first = note.parse_note(note.sign_note(TEXT, [old]))
    stale = note.Signature(new.name, new.key_id, b"\x00" * 64)
    second = note.sign_note(TEXT, [new], existing=[*first.signatures, stale])
    opened = note.open_note(second, [old.verifier(), new.verifier()])
    assert [s.key_id for s in opened.verified] == [new.key_id, old.key_id]


# --- the C2SP example ------------------------------------------------------------------------


def test_the_c2sp_example_note_parses_exactly() -> None:
    raw = (DATA / "c2sp-signed-note-example.txt").read_bytes()
    parsed = note.parse_note(raw)
    assert parsed.text == (
        "Ognuno sta solo sul cuor della terra\n"
        "trafitto da un raggio di sole:\n"
        "\n"
        "ed è subito sera.\n"
    )
    (signature,) = parsed.signatures
    assert signature.name == "quasimodo.example/salvatore"
    assert signature.key_id == 0x367BA04B
    assert len(signature.signature) == 64
    assert parsed.to_bytes() == raw


def test_the_c2sp_example_note_is_rejected_without_its_key() -> None:
    raw = (DATA / "c2sp-signed-note-example.txt").read_bytes()
    same_name_other_key = _signer("quasimodo.example/salvatore").verifier()
    with pytest.raises(VerificationError, match="no signature from a known key"):
        note.open_note(raw, [same_name_other_key, PETER])


def test_signature_lines_carry_the_key_id_big_endian_before_the_signature() -> None:
    signer = _signer("golive.example.com/log")
    line = note.sign_note("x\n", [signer]).decode().splitlines()[-1]
    blob = base64.b64decode(line.split(" ")[2])
    assert int.from_bytes(blob[:4], "big") == signer.key_id
    assert signer.verifier().verify(b"x\n", blob[4:])
