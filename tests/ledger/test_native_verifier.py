"""The compiled verifier (``golive._native``) against the Python one.

The compiled path reads a SQLite ledger on its own connection, builds each leaf in C and
hashes it with OpenSSL; it must accept exactly the ledgers the Python path accepts and leave
everything else to the checked path, so that reports are the same either way. These tests
compare the two: over entries of awkward text (escapes, control characters, non-ASCII,
astral characters), over 200 random changes committed behind golive's back, and over node
rows stored out of golive's order.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import (
    ORIGIN,
    TAMPER_CHECKPOINTS,
    TAMPER_SIZE,
    build_with_checkpoints,
    bypass_guards,
    create_ledger,
    random_mutation,
    spy_answers,
    sqlite_engine,
    text_entries,
)

from golive import native
from golive.core import ledger as core
from golive.core import merkle
from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import ledger

pytestmark = pytest.mark.skipif(not native.enabled(), reason="golive._native is not built")

SIZE, CHECKPOINTS = TAMPER_SIZE, TAMPER_CHECKPOINTS


@pytest.fixture
def signer(tmp_path: Path) -> Ed25519Signer:
    return audit.generate_key(ORIGIN, tmp_path / "log.key")


def _verify(path: Path, signer: Ed25519Signer, *, compiled: bool) -> dict[str, object]:
    """``golive audit verify --db`` on the file: a read transaction, batches of 16."""
    saved = native._MODULE
    if not compiled:
        native._MODULE = None
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection, connection.begin():
            return audit.verify_database(connection, [signer.verifier()], batch=16).as_dict()
    finally:
        engine.dispose()
        native._MODULE = saved


def _python_levels(path: Path, start: int, stop: int) -> list[bytes]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            rows = ledger.entry_rows(connection, start, stop)
    finally:
        engine.dispose()
    levels = [core.stored_leaf_hashes(*list(zip(*rows, strict=True))[:8])]
    while len(levels[-1]) > 1:
        levels.append(merkle.level_up(levels[-1]))
    return [b"".join(level) for level in levels]


def test_the_extension_is_built_where_a_compiler_is() -> None:
    """CI installs with gcc and the SQLite and OpenSSL headers: a build that silently fell
    back to Python would leave the benchmark figures untrue."""
    if os.environ.get("GOLIVE_NO_NATIVE") == "1":  # pragma: no cover - the switch is off
        pytest.skip("GOLIVE_NO_NATIVE=1")
    assert native.enabled()
    assert native.describe().startswith("compiled (golive._native")  # libpq: test_native_pg.py


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\\x00\x01\x1f\x7f\b\f\n\r\t'),
    max_size=24,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT), min_size=8, max_size=8))
def test_compiled_leaves_and_levels_equal_the_python_ones_for_any_text(
    fields: list[tuple[str, str, str, str, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.db"
        engine = sqlite_engine(path)
        create_ledger(engine)
        with engine.begin() as connection:
            ledger.append_entries(connection, text_entries(fields))
        engine.dispose()
        found = native.sqlite_subtree(str(path), 0, 8, core.LEAF_VERSION, ledger.NODE_FLOOR)
        assert found is not None, "the compiled leaves differ from the stored ones"
        assert found == _python_levels(path, 0, 8)
        assert native.levels(found[0]) == found


def test_levels_are_the_rfc_9162_perfect_subtree_hashes() -> None:
    leaves = [core.leaf_hash(bytes([n]) * n) for n in range(16)]
    found = native.levels(b"".join(leaves))
    assert found[-1] == merkle.root_from_level(leaves)
    assert [len(level) for level in found] == [512, 256, 128, 64, 32]
    with pytest.raises(ValueError, match="power of two"):
        native.levels(b"\0" * 96)
    assert audit._levels_of(b"".join(leaves)) == found  # the Python twin


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(st.binary(max_size=300), max_size=40))
def test_compiled_leaf_hashes_and_levels_equal_hashlib(entries: list[bytes]) -> None:
    expected = [hashlib.sha256(b"\x00" + entry).digest() for entry in entries]
    assert native.leaf_hashes(entries) == merkle.leaf_hashes(entries) == expected
    pairs = [
        hashlib.sha256(b"\x01" + expected[i] + expected[i + 1]).digest()
        for i in range(0, len(expected) - 1, 2)
    ]
    assert (
        native.level_up(expected) == merkle.level_up(expected) == pairs + expected[len(pairs) * 2 :]
    )


def _python_root(level: list[bytes]) -> bytes:
    saved = native._MODULE
    native._MODULE = None
    try:
        return merkle.root_from_level(level)
    finally:
        native._MODULE = saved


@pytest.mark.parametrize("size", [*range(1, 40), 255, 256, 257, 1000, 4097])
def test_the_compiled_root_of_any_level_is_the_python_one_whatever_the_threads(
    size: int,
) -> None:
    rng = random.Random(size)
    level = [rng.randbytes(32) for _ in range(size)]
    expected = _python_root(level)
    for threads in (1, 2, 3, 5, 16):
        assert native._module().root(level, threads) == expected, threads
    assert merkle.root_from_level(level) == native.root(level) == expected


def test_a_large_level_is_rooted_by_several_threads_to_the_same_root() -> None:
    rng = random.Random(7)
    level = [rng.randbytes(32) for _ in range(native.ROOT_THREADS_FROM + 3)]
    assert native.root(level) == _python_root(level)


def test_inputs_the_compiled_loops_refuse_take_the_python_loops() -> None:
    assert merkle.leaf_hashes([bytearray(b"a")]) == [core.leaf_hash(b"a")]  # type: ignore[list-item]
    with pytest.raises(TypeError):
        native.leaf_hashes([bytearray(b"a")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="32-byte"):
        native.level_up([b"short", b"er"])
    assert len(merkle.level_up([b"short", b"er"])) == 1
    with pytest.raises(ValueError, match="32-byte"):
        native.root([b"short"])
    with pytest.raises(ValueError, match="at least one"):
        native.root([])
    assert merkle.root_from_level([b"short", b"er"]) == merkle.node_hash(b"short", b"er")


def test_a_range_that_is_not_a_perfect_subtree_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="perfect subtree"):
        native.sqlite_subtree(str(tmp_path / "none.db"), 4, 12, core.LEAF_VERSION, 8)


def test_an_unreadable_file_gives_no_answer(tmp_path: Path) -> None:
    assert native.sqlite_subtree(str(tmp_path / "missing.db"), 0, 4, core.LEAF_VERSION, 8) is None
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    assert native.sqlite_subtree(str(tmp_path / "junk.db"), 0, 4, core.LEAF_VERSION, 8) is None


@pytest.fixture
def built(tmp_path: Path, signer: Ed25519Signer) -> Path:
    path = tmp_path / "base.db"
    engine = sqlite_engine(path)
    create_ledger(engine)
    build_with_checkpoints(engine, signer, CHECKPOINTS)
    engine.dispose()
    return path


def test_an_untouched_ledger_is_checked_by_the_compiled_path(
    built: Path, signer: Ed25519Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_answers(monkeypatch, native, "sqlite_subtree")
    report = _verify(built, signer, compiled=True)
    assert report["ok"] is True
    assert report["entries_checked"] == SIZE
    # 37 batches of 16 and [592, 600): each batch one perfect subtree, all accepted
    assert calls == [True] * 38


def test_the_compiled_and_python_verifiers_agree_on_200_committed_changes(
    built: Path, signer: Ed25519Signer, tmp_path: Path
) -> None:
    """Each change is committed to a copy of the ledger (so the compiled reader sees it);
    both paths must find it, at the same index, with the same report."""
    rng = random.Random(20261125)
    copy = tmp_path / "changed.db"
    differing, undetected = [], []
    for _ in range(200):
        shutil.copyfile(built, copy)
        superuser = sqlite_engine(copy, guarded=False)
        try:
            with superuser.begin() as connection:
                mutation = random_mutation(rng, connection, SIZE)
                bypass_guards(connection)
                mutation.apply(connection)
        finally:
            superuser.dispose()
        compiled = _verify(copy, signer, compiled=True)
        python = _verify(copy, signer, compiled=False)
        if compiled != python:
            differing.append(mutation.description)
        if compiled["ok"] or (
            mutation.expected is not None and compiled["first_bad_index"] != mutation.expected
        ):
            undetected.append(f"{mutation.description}: {compiled['first_bad_index']}")
    assert differing == []
    assert undetected == []


def test_a_changed_leaf_hash_or_node_gives_no_answer(built: Path) -> None:
    """The compiled path compares each row's stored leaf hash and every stored node from
    level 8 up; anything different gives no answer (the checked path then names it)."""
    levels = native.sqlite_subtree(str(built), 0, 512, core.LEAF_VERSION, ledger.NODE_FLOOR)
    assert levels == _python_levels(built, 0, 512)
    entries, nodes = ledger.audit_entries, ledger.audit_nodes
    for change in (
        entries.update().where(entries.c.idx == 300).values(leaf=b"\1" * 32),
        entries.update().where(entries.c.idx == 300).values(leaf=None),
        nodes.update().where(nodes.c.level == 9).values(hash=b"\2" * 32),
        nodes.delete().where(nodes.c.level == 8, nodes.c.idx == 1),
    ):
        copy = built.with_name("changed.db")
        shutil.copyfile(built, copy)
        superuser = sqlite_engine(copy, guarded=False)
        try:
            with superuser.begin() as connection:
                bypass_guards(connection)
                connection.execute(change)
        finally:
            superuser.dispose()
        assert native.sqlite_subtree(str(copy), 0, 512, core.LEAF_VERSION, 8) is None, change
        # the first tile is untouched by each change, and still accepted
        assert native.sqlite_subtree(str(copy), 0, 256, core.LEAF_VERSION, 8) == (
            _python_levels(copy, 0, 256)
        )
