"""`golive audit verify --bundle` with the compiled bundle scanner, against the Python path.

With ``golive._native`` the entries of a bundle are not parsed: each entry's leaf is hashed
from its text (whitespace and its ``personal`` member left out), and only the header and the
entries that disclose personal values are parsed. Anything that does not tie to the signed
root goes to the Python path, which parses everything and names the problem. These tests
change bundle files in many ways and check that both paths give the same outcome: the same
report, or the same error with the same message.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import ORIGIN, checkpoint, create_ledger, fill, sqlite_engine

from golive import native
from golive.core.note import Ed25519Signer
from golive.errors import InputError, VerificationError
from golive.services import audit

pytestmark = pytest.mark.skipif(not native.enabled(), reason="golive._native is not built")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Ed25519Signer]:
    """A bundle of 37 entries with personal values and 3 checkpoints, as bytes."""
    tmp = tmp_path_factory.mktemp("bundle")
    signer = audit.generate_key(ORIGIN, tmp / "log.key")
    engine = sqlite_engine(tmp / "ledger.db")
    create_ledger(engine)
    for start, count in ((0, 9), (9, 20), (29, 8)):
        fill(engine, count, start=start)
        checkpoint(engine, [signer])
    with engine.connect() as connection:
        bundle = audit.export_bundle(connection, include_personal=True)
    engine.dispose()
    path = tmp / "bundle.json"
    audit.write_bundle(bundle, path)
    return path.read_bytes(), signer


def _outcome(path: Path, signer: Ed25519Signer, *, compiled: bool) -> object:
    saved = native._MODULE
    if not compiled:
        native._MODULE = None
    try:
        return audit.verify_bundle_file(path, [signer.verifier()]).as_dict()
    except (InputError, VerificationError) as exc:
        return (type(exc).__name__, str(exc))
    finally:
        native._MODULE = saved


def _both(tmp_path: Path, signer: Ed25519Signer, data: bytes) -> tuple[object, object]:
    path = tmp_path / "changed.json"
    path.write_bytes(data)
    return _outcome(path, signer, compiled=True), _outcome(path, signer, compiled=False)


def test_an_intact_bundle_verifies_the_same_on_both_paths(
    made: tuple[bytes, Ed25519Signer], tmp_path: Path
) -> None:
    data, signer = made
    compiled, python = _both(tmp_path, signer, data)
    assert compiled == python
    assert isinstance(compiled, dict)
    assert compiled["personal_checked"] == 37
    # written compactly, or with other indentation: whitespace means nothing
    doc = json.loads(data)
    for text in (json.dumps(doc), json.dumps(doc, indent=4, ensure_ascii=False)):
        assert _both(tmp_path, signer, text.encode()) == (compiled, compiled)


def test_the_scanner_hashes_each_entry_and_finds_the_disclosing_ones(
    made: tuple[bytes, Ed25519Signer],
) -> None:
    data, _ = made
    found = native.bundle_entries(data)
    assert found is not None
    start, end, hashes, spans = found
    entries = json.loads(data[start:end])
    assert len(hashes) == len(entries) == 37
    assert {len(h) for h in hashes} == {32}
    assert [n for n, _, _ in spans] == [n for n, e in enumerate(entries) if "personal" in e]
    assert all(json.loads(data[a:b]) == entries[n] for n, a, b in spans)


@pytest.mark.parametrize(
    "text",
    [
        b"[]",
        b'{"format": "x"}',
        b'{"entries": {}}',
        b'{"entries": [1]}',
        b'{"entries": [], "entries": []}',
        b'{"entri\\u0065s": []}',
        b'{"entries": []} trailing',
        b'{"entries": [{"a": 01}]}',
        b'{"entries": [{"a": "\x01"}]}',
        b'{"entries": [{"a": "\\x"}]}',
        b'{"entries": [{"personal": 1, "personal": 2}]}',
        b'{"entries": [' + b"[" * 600 + b"]" * 600 + b"]}",
        b'{"entries": [{"a": 1},]}',
        b"",
    ],
)
def test_bytes_that_are_not_a_plain_bundle_object_get_no_answer(text: bytes) -> None:
    assert native.bundle_entries(text) is None


def _entry_change(rng: random.Random, doc: dict[str, object]) -> str:
    entries = doc["entries"]
    assert isinstance(entries, list)
    n = rng.randrange(len(entries))
    entry = entries[n]
    kind = rng.choice(
        ["field", "payload", "drop", "swap", "extra", "personal", "index", "v", "float"]
    )
    if kind == "field":
        name = rng.choice(["action", "actor", "subject", "tenant", "time", "correlation_id"])
        entry[name] = str(entry[name]) + "x"
    elif kind == "payload":
        entry["payload"]["n"] = entry["payload"]["n"] + 1
    elif kind == "drop":
        del entries[n]
    elif kind == "swap":
        m = (n + 1) % len(entries)
        entries[n], entries[m] = entries[m], entries[n]
    elif kind == "extra":
        entry["note"] = "added"
    elif kind == "personal":
        disclosed = entry.get("personal")
        if not disclosed:
            entry["personal"] = {"email": {"salt": "AAAA", "value": "x@example.com"}}
        else:
            disclosed["email"]["value"] = "someone@example.com"
    elif kind == "index":
        entry["index"] = entry["index"] + 1
    elif kind == "v":
        entry["v"] = 2
    else:
        entry["payload"]["n"] = entry["payload"]["n"] + 0.5
    return f"{kind} at {n}"


def test_changed_bundles_give_the_same_outcome_on_both_paths(
    made: tuple[bytes, Ed25519Signer], tmp_path: Path
) -> None:
    data, signer = made
    rng = random.Random(20261124)
    differing = []
    for _ in range(120):
        doc = json.loads(data)
        what = _entry_change(rng, doc)
        text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False).encode()
        compiled, python = _both(tmp_path, signer, text)
        if compiled != python:
            differing.append(f"{what}: {compiled} != {python}")
        assert not isinstance(compiled, dict), what  # every change is caught
    assert differing == []


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.replace(b'"range_proof": []', b'"range_proof": ["' + b"A" * 43 + b'="]', 1),
        lambda d: d.replace(b'"tree_size": ', b'"tree_size": 1', 1),
        lambda d: d.replace(b'"format": "golive-audit-bundle"', b'"format": "other"', 1),
        lambda d: d.replace(b'"start": 0', b'"start": 1', 1),
        lambda d: d + b"]",
        lambda d: d[:-40],
        lambda d: d.replace(b'"entries": [', b'"entries": 7, "x": [', 1),
        lambda d: d.replace(b'"origin": "', b'"origin": "x', 1),
        lambda d: d.replace(b'"actor": "', b'"actor": "\x80', 1),  # not UTF-8, in an entry
    ],
)
def test_changed_headers_give_the_same_outcome_on_both_paths(
    made: tuple[bytes, Ed25519Signer], tmp_path: Path, change: Callable[[bytes], bytes]
) -> None:
    data, signer = made
    changed = change(data)
    assert changed != data
    compiled, python = _both(tmp_path, signer, changed)
    assert compiled == python
    assert not isinstance(compiled, dict)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_the_scanner_never_crashes_on_random_bytes(data: bytes) -> None:
    found = native.bundle_entries(data)
    assert found is None or len(found) == 4


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, 5000), junk=st.binary(max_size=8), keep=st.integers(0, 5000))
def test_the_scanner_never_crashes_on_damaged_bundles(cut: int, junk: bytes, keep: int) -> None:
    base = b'{"entries": [{"a": "x\\u00e9\\n", "b": [1, -2.5e3, {"c": null}], "personal": {}}, '
    base += b'{"index": 1, "v": true}], "format": "golive-audit-bundle", "n": [false]}'
    damaged = base[: cut % len(base)] + junk + base[cut % len(base) + keep % 4 :]
    found = native.bundle_entries(damaged)
    if found is not None:  # what it accepts Python reads as JSON too, once it is UTF-8
        try:
            text = damaged.decode("utf-8")
        except UnicodeDecodeError:  # strings are hashed as bytes; such a leaf never verifies
            return
        json.loads(text)
