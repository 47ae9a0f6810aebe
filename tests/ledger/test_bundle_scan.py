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
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import ORIGIN, checkpoint, create_ledger, fill, sqlite_engine

from golive import native
from golive.core.note import Ed25519Signer
from golive.errors import InputError, VerificationError
from golive.services import audit, ledger_files

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


# --- stretches scanned at once ------------------------------------------------------------
#
# With threads > 1 the entries array is cut where an entry appears to start, and the
# stretches are scanned at once; a stretch counts only when the scan before it reached its
# start as an entry start. Whatever the guesses, the answer must be the one-thread answer.


def _same_with_threads(data: bytes) -> object:
    one = native.bundle_entries(data, 1)
    for threads in (2, 3, 5, 16):
        assert native.bundle_entries(data, threads) == one, threads
    return one


def test_a_bundle_scanned_in_stretches_gives_the_one_thread_answer(
    made: tuple[bytes, Ed25519Signer],
) -> None:
    data, _ = made
    assert _same_with_threads(data) is not None
    doc = json.loads(data)
    for text in (json.dumps(doc), json.dumps(doc, indent=4), json.dumps(doc, indent="\t")):
        assert _same_with_threads(text.encode()) is not None


def test_values_that_look_like_entry_starts_do_not_mislead_the_stretches() -> None:
    # payloads full of '},{"action"': inside nested arrays, inside strings, at every cut
    decoy = [{"action": "a"}, {"action": "b", "x": [{"action": "c"}, {"action": "d"}]}]
    entries = [
        {
            "action": f"act{n}",
            "payload": {"list": decoy * (n % 4), "text": '},{"action": "z"}, {' * (n % 3)},
            "index": n,
            **({"personal": {"email": {"salt": "AA", "value": "v"}}} if n % 5 == 0 else {}),
        }
        for n in range(60)
    ]
    doc = {"checkpoints": [{"note": "x"}], "entries": entries, "format": "f", "tail": decoy}
    for text in (json.dumps(doc), json.dumps(doc, indent=1, sort_keys=True)):
        found = _same_with_threads(text.encode())
        assert found is not None
        assert len(found[2]) == 60
        assert [n for n, _, _ in found[3]] == list(range(0, 60, 5))


_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(alphabet='{}[],:" ax\\')
)
_json_value = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["action", "a", "personal", "b"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.lists(
        st.dictionaries(st.sampled_from(["action", "actor", "payload", "personal"]), _json_value),
        max_size=12,
    ),
    indent=st.sampled_from([None, 0, 1, 2]),
    cut=st.integers(0, 10_000),
)
def test_stretches_agree_with_one_thread_on_generated_bundles(
    entries: list[dict[str, object]], indent: int | None, cut: int
) -> None:
    text = json.dumps({"a": [1], "entries": entries, "z": {"action": []}}, indent=indent).encode()
    _same_with_threads(text)
    # and on the same bytes damaged anywhere
    damaged = text[: cut % (len(text) + 1)] + text[cut % (len(text) + 1) + 1 :]
    _same_with_threads(damaged)


# --- how the file is read -------------------------------------------------------------------


@pytest.mark.parametrize("compiled", [True, False])
def test_files_that_cannot_be_mapped_are_read_and_judged_the_same(
    made: tuple[bytes, Ed25519Signer], tmp_path: Path, compiled: bool
) -> None:
    data, signer = made
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert _outcome(empty, signer, compiled=compiled) == (
        "InputError",
        f"{empty}: not valid JSON: Expecting value: line 1 column 1 (char 0)",
    )
    missing = tmp_path / "missing.json"
    assert _outcome(missing, signer, compiled=compiled) == (
        "InputError",
        f"{missing}: cannot read the bundle: No such file or directory",
    )
    # a pipe is read once, as it comes
    fifo = tmp_path / "bundle.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    try:
        outcome = _outcome(fifo, signer, compiled=compiled)
    finally:
        writer.join()
    assert isinstance(outcome, dict)
    assert outcome["personal_checked"] == 37


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    made: tuple[bytes, Ed25519Signer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, signer = made
    path = tmp_path / "bundle.json"
    path.write_bytes(data)
    monkeypatch.setattr(ledger_files, "BUNDLE_MAX_BYTES", len(data) - 1)
    for compiled in (True, False):
        assert _outcome(path, signer, compiled=compiled) == (
            "InputError",
            f"{path}: larger than {len(data) - 1} bytes",
        )


_PROBE = """
import sys
from golive.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    print("EXIT=" + repr(exc.code), file=sys.stderr)
heavy = ("sqlalchemy", "pydantic", "pydantic_settings", "golive.settings", "golive.storage")
print("HEAVY=" + repr(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def test_the_offline_commands_import_no_database_library(
    made: tuple[bytes, Ed25519Signer], tmp_path: Path
) -> None:
    """An auditor's `verify --bundle` / `--proof` and `keygen` start without SQLAlchemy,
    pydantic or the settings (they took most of the command's start-up)."""
    data, signer = made
    path = tmp_path / "bundle.json"
    path.write_bytes(data)
    runs = {
        "verify": ["audit", "verify", "--bundle", str(path), "--key", signer.verifier().vkey],
        "keygen": ["audit", "keygen", "--name", ORIGIN, "--out", str(tmp_path / "k.key")],
        "bad proof": ["audit", "verify", "--proof", str(path), "--key", signer.verifier().vkey],
    }
    for what, args in runs.items():
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "HEAVY=[]" in done.stderr.splitlines(), (what, done.stderr)
        expected = "EXIT=2" if what == "bad proof" else "EXIT=0"
        assert expected in done.stderr.splitlines(), (what, done.stderr)
