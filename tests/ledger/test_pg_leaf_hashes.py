"""PostgreSQL builds and hashes the leaves of stored entries for ``verify --db``.

The server's ``to_json`` must escape text exactly as Python's encoder does, or the server's
leaves would differ from golive's; a difference is never wrong (the batch goes to the
Python path) but makes verification slow, so these tests compare the two over awkward text,
and check that a missing entry or node, or a node of the wrong size, gives no answer.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import bypass_guards, fill, text_entries

from golive.core import ledger as core
from golive.storage import ledger

pytestmark = pytest.mark.postgres

# PostgreSQL text cannot hold NUL; every other character golive may store is here
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    | st.sampled_from('"\\\x01\x1f\x7f\b\f\n\r\t\u2028\U0001f600'),
    max_size=24,
)


def _python_leaves(connection: sa.Connection, start: int, stop: int) -> bytes:
    return _python_leaves_of(ledger.entry_rows(connection, start, stop))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(fields=st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT), min_size=1, max_size=6))
def test_the_server_builds_the_leaves_golive_builds_for_any_text(
    pg_engine: sa.Engine, fields: list[tuple[str, str, str, str, str, str]]
) -> None:
    with pg_engine.begin() as connection:
        start = ledger.read_frontier(connection).size
        ledger.append_entries(connection, text_entries(fields))
        stop = start + len(fields)
        assert ledger.pg_leaf_hashes(connection, start, stop) == _python_leaves(
            connection, start, stop
        )
        assert b"".join(ledger.leaf_hashes(connection, start, stop)) == _python_leaves(
            connection, start, stop
        )


def test_a_missing_entry_or_node_or_another_leaf_hash_gives_no_answer(
    pg_engine: sa.Engine,
) -> None:
    fill(pg_engine, 1024)
    entries, nodes = ledger.audit_entries, ledger.audit_nodes
    with pg_engine.connect() as connection, connection.begin():
        assert ledger.pg_leaf_hashes(connection, 0, 8) is not None
        assert ledger.pg_leaf_hashes(connection, 0, 1025) is None  # beyond the head
        bypass_guards(connection)
        connection.execute(entries.delete().where(entries.c.idx == 3))
        connection.execute(entries.update().where(entries.c.idx == 9).values(leaf=b"\1" * 32))
        connection.execute(entries.update().where(entries.c.idx == 10).values(leaf=None))
        connection.execute(nodes.delete().where(nodes.c.level == 8, nodes.c.idx == 2))
        connection.execute(
            nodes.update().where(nodes.c.level == 9, nodes.c.idx == 1).values(hash=b"\1" * 31)
        )
        assert ledger.pg_leaf_hashes(connection, 0, 8) is None
        assert ledger.pg_leaf_hashes(connection, 4, 8) is not None
        assert ledger.pg_leaf_hashes(connection, 8, 10) is None  # another stored leaf hash
        assert ledger.pg_leaf_hashes(connection, 10, 11) is None  # none stored
        assert ledger.pg_leaf_hashes(connection, 11, 16) is not None
        assert ledger.pg_node_hashes(connection, 8, 0, 4) is None
        assert ledger.pg_node_hashes(connection, 9, 0, 2) is None  # a hash of 31 bytes
        assert ledger.pg_node_hashes(connection, 8, 0, 2) is not None
        connection.rollback()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    fields=st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT), min_size=1, max_size=6),
    secret=_TEXT,
)
def test_appends_store_every_value_exactly_as_given(
    pg_engine: sa.Engine, fields: list[tuple[str, str, str, str, str, str]], secret: str
) -> None:
    """An append sends its rows as JSON records (``json_to_recordset``): the stored text,
    payload, node hashes and personal salts must be the values golive computed, byte for
    byte, whatever the text."""
    entries = text_entries(fields)
    entries[0] = dataclasses.replace(
        entries[0], payload={**entries[0].payload, "email": secret}, personal=("email",)
    )
    with pg_engine.begin() as connection:
        start = ledger.read_frontier(connection).size
        ledger.append_entries(connection, entries)
        stop = start + len(entries)
        rows = ledger.entry_rows(connection, start, stop)
        kept = ledger.personal_values(connection, range(start, stop))
        frontier = ledger.read_frontier(connection)
        stored_leaves = b"".join(ledger.leaf_hashes(connection, start, stop))
    for (_idx, action, actor, correlation, payload, subject, tenant, time, _leaf), new in zip(
        rows, entries, strict=True
    ):
        assert (action, actor, correlation, subject, tenant) == (
            new.action,
            new.actor,
            new.correlation_id,
            new.subject,
            new.tenant,
        )
        assert time == core.format_time(new.time)
        stored_payload = json.loads(payload)
        assert {k: v for k, v in stored_payload.items() if k != "email"} == {
            k: v for k, v in new.payload.items() if k != "email"
        }
    salt, value = kept[start]["email"]
    assert len(salt) == 32
    assert json.loads(value) == secret
    assert json.loads(rows[0][4])["email"] == core.personal_commitment(secret, salt)
    assert stored_leaves == _python_leaves_of(rows)
    assert frontier.size == stop


def _python_leaves_of(rows: list[tuple[object, ...]]) -> bytes:
    return b"".join(core.stored_leaf_hashes(*list(zip(*rows, strict=True))[:8]))
