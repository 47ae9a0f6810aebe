"""The compiled verifier's PostgreSQL path (``golive._native`` built with libpq).

It reads a PostgreSQL ledger on connections of its own, in the snapshot the verifying
transaction exported, with binary ``COPY``; it builds each leaf in C. It must accept exactly
the ledgers the Python path accepts and leave everything else to the checked path, so that
reports are the same either way: these tests compare the two over awkward text, over random
changes committed behind golive's back, and check what a reader sees and refuses.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import (
    LEDGER_TABLES,
    ORIGIN,
    TAMPER_CHECKPOINTS,
    TAMPER_SIZE,
    build_with_checkpoints,
    bypass_guards,
    create_ledger,
    fill,
    random_mutation,
    spy_answers,
    text_entries,
)

from golive import native
from golive.core import ledger as core
from golive.core import merkle
from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import dialect, ledger
from golive.storage.metadata import metadata

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not native.pg_enabled(), reason="golive._native is built without libpq"),
]

SIZE, CHECKPOINTS = TAMPER_SIZE, TAMPER_CHECKPOINTS
FLOOR = ledger.NODE_FLOOR

# PostgreSQL text cannot hold NUL; every other character golive may store is here
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    | st.sampled_from('"\\\x01\x1f\x7f\b\f\n\r\t\u2028\U0001f600'),
    max_size=24,
)


def _libpq_headers() -> bool:
    """Whether setup.py finds libpq-fe.h on this machine (its own search)."""
    candidates = ["/usr/include/postgresql"]
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--includedir"], capture_output=True, text=True)
        candidates.insert(0, found.stdout.strip())
    return any(c and (Path(c) / "libpq-fe.h").is_file() for c in candidates)


@pytest.fixture
def signer(tmp_path: Path) -> Ed25519Signer:
    return audit.generate_key(ORIGIN, tmp_path / "log.key")


def _reader_source(connection: sa.Connection) -> tuple[str, str]:
    source = audit._native_pg_source(connection)
    assert source is not None, "a read transaction on psycopg exports its snapshot"
    return source


def _read(engine: sa.Engine) -> sa.Connection:
    """A connection as ``golive audit verify --db`` opens one: a REPEATABLE READ read."""
    options = {dialect.TRANSACTION_OPTION: "read", "isolation_level": "REPEATABLE READ"}
    return engine.connect().execution_options(**options)


def _python_levels(connection: sa.Connection, start: int, stop: int) -> list[bytes]:
    rows = ledger.entry_rows(connection, start, stop)
    levels = [core.stored_leaf_hashes(*list(zip(*rows, strict=True))[:8])]
    while len(levels[-1]) > 1:
        levels.append(merkle.level_up(levels[-1]))
    return [b"".join(level) for level in levels]


def _verify(engine: sa.Engine, signer: Ed25519Signer, *, compiled: bool) -> dict[str, object]:
    """``golive audit verify --db``: a read transaction, batches of 16."""
    saved = native._MODULE
    if not compiled:
        native._MODULE = None
    try:
        with _read(engine) as connection, connection.begin():
            return audit.verify_database(connection, [signer.verifier()], batch=16).as_dict()
    finally:
        native._MODULE = saved


def test_the_extension_reads_postgresql_where_the_libpq_headers_are() -> None:
    """CI installs libpq's headers: a build that silently left PostgreSQL out would leave
    the benchmark figures untrue."""
    if os.environ.get("GOLIVE_NO_LIBPQ") == "1" or not _libpq_headers():  # pragma: no cover
        pytest.skip("no libpq headers, or GOLIVE_NO_LIBPQ=1")
    assert native.pg_enabled()
    assert native.describe() == "compiled (golive._native)"
    assert {"host", "port", "dbname", "user", "password"} <= native.pg_options()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(fields=st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT), min_size=8, max_size=8))
def test_compiled_leaves_and_levels_equal_the_python_ones_for_any_text(
    pg_engine: sa.Engine, fields: list[tuple[str, str, str, str, str, str]]
) -> None:
    with pg_engine.begin() as connection:
        metadata.drop_all(connection, tables=LEDGER_TABLES)
    create_ledger(pg_engine)
    with pg_engine.begin() as connection:
        ledger.append_entries(connection, text_entries(fields))
    with _read(pg_engine) as connection, connection.begin():
        reader = native.pg_open(*_reader_source(connection))
        found = native.pg_subtree(reader, 0, 8, core.LEAF_VERSION, FLOOR)
        assert found is not None, "the compiled leaves differ from the stored ones"
        assert found == _python_levels(connection, 0, 8)


def test_a_reader_sees_the_exported_snapshot_only(pg_engine: sa.Engine) -> None:
    fill(pg_engine, 8)
    with _read(pg_engine) as connection, connection.begin():
        reader = native.pg_open(*_reader_source(connection))
        fill(pg_engine, 8, start=8)  # committed by another connection after the export
        assert native.pg_subtree(reader, 0, 8, core.LEAF_VERSION, FLOOR) == _python_levels(
            connection, 0, 8
        )
        assert native.pg_subtree(reader, 8, 16, core.LEAF_VERSION, FLOOR) is None
    with _read(pg_engine) as connection, connection.begin():
        reader = native.pg_open(*_reader_source(connection))
        assert native.pg_subtree(reader, 0, 16, core.LEAF_VERSION, FLOOR) is not None


def test_what_cannot_be_read_is_refused_or_gives_no_answer(pg_engine: sa.Engine) -> None:
    fill(pg_engine, 8)
    with _read(pg_engine) as connection, connection.begin():
        conninfo, snapshot = _reader_source(connection)
        with pytest.raises(ConnectionError, match="invalid snapshot identifier"):
            native.pg_open(conninfo, "00000003-0000001B-1")
        with pytest.raises(ConnectionError, match="PostgreSQL"):
            native.pg_open(conninfo + " dbname=golive_no_such_database", None)
        reader = native.pg_open(conninfo, snapshot)
        with pytest.raises(ValueError, match="perfect subtree"):
            native.pg_subtree(reader, 4, 12, core.LEAF_VERSION, FLOOR)
        assert native.pg_subtree(reader, 0, 8, core.LEAF_VERSION + 1, FLOOR) is None  # other leaves
        assert native.pg_subtree(reader, 8, 16, core.LEAF_VERSION, FLOOR) is None  # no entries
        with pytest.raises(TypeError):
            native.pg_subtree(object(), 0, 8, core.LEAF_VERSION, FLOOR)


def test_a_connection_that_wrote_or_holds_no_transaction_exports_nothing(
    pg_engine: sa.Engine,
) -> None:
    with pg_engine.connect() as connection:
        assert audit._native_pg_source(connection) is None  # no transaction (autobegin later)
    with pg_engine.begin() as connection:
        ledger.append_entries(connection, text_entries([("a", "b", "c", "d", "e", "f")]))
        assert audit._native_pg_source(connection) is None  # its rows are not committed


def _rebuild(engine: sa.Engine, signer: Ed25519Signer) -> None:
    """The ledger rebuilt to :data:`SIZE` entries with checkpoints."""
    with engine.begin() as connection:
        metadata.drop_all(connection, tables=LEDGER_TABLES)
    create_ledger(engine)
    build_with_checkpoints(engine, signer, CHECKPOINTS)


@pytest.fixture
def fresh(pg_engine: sa.Engine, signer: Ed25519Signer) -> sa.Engine:
    _rebuild(pg_engine, signer)
    return pg_engine


def test_an_untouched_ledger_is_checked_by_the_compiled_path(
    fresh: sa.Engine, signer: Ed25519Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_answers(monkeypatch, native, "pg_subtree")
    report = _verify(fresh, signer, compiled=True)
    assert report["ok"] is True
    assert report["entries_checked"] == SIZE
    # 37 batches of 16 and [592, 600): each batch one perfect subtree, all accepted
    assert calls == [True] * 38


def test_the_compiled_and_python_verifiers_agree_on_40_committed_changes(
    fresh: sa.Engine, signer: Ed25519Signer
) -> None:
    """Each change is committed (so the compiled readers see it); both paths must find it,
    at the same index, with the same report."""
    rng = random.Random(20261124)
    differing, undetected = [], []
    for n in range(40):
        if n:
            _rebuild(fresh, signer)
        with fresh.begin() as connection:
            mutation = random_mutation(rng, connection, SIZE)
            bypass_guards(connection)
            mutation.apply(connection)
        compiled = _verify(fresh, signer, compiled=True)
        python = _verify(fresh, signer, compiled=False)
        if compiled != python:
            differing.append(mutation.description)
        if compiled["ok"] or (
            mutation.expected is not None and compiled["first_bad_index"] != mutation.expected
        ):
            undetected.append(f"{mutation.description}: {compiled['first_bad_index']}")
    assert differing == []
    assert undetected == []
