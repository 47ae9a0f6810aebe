"""The unit of work: one database transaction, its repositories and its audit entries.

A service opens one with ``with uow:``, reads and writes through its
repositories and calls :meth:`UnitOfWork.audit` for every state change. Leaving
the block normally commits everything together (the change *and* its audit
entry); an exception rolls everything back. Services never commit themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from golive.errors import DependencyUnavailable
from golive.storage import dialect, ledger
from golive.storage.repositories import (
    DebtRepository,
    DecisionRepository,
    IdempotencyRepository,
    PolicyRepository,
    PublishAttemptRepository,
    RecordRepository,
    TenantRepository,
    TokenRepository,
)

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UnitOfWork:
    """One transaction. Use once: ``with UnitOfWork(engine) as uow: ...``.

    ``write=False`` opens a read transaction (SQLite ``BEGIN`` rather than
    ``BEGIN IMMEDIATE``), for use cases that change nothing.
    """

    connection: Connection
    tenants: TenantRepository
    tokens: TokenRepository
    policies: PolicyRepository
    records: RecordRepository
    decisions: DecisionRepository
    idempotency: IdempotencyRepository
    attempts: PublishAttemptRepository

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = system_clock,
        correlation_id: str = "",
        write: bool = True,
    ) -> None:
        self._engine = engine
        self.clock = clock
        self.correlation_id = correlation_id
        self._write = write
        self.audited: list[int] = []

    def reading(self) -> UnitOfWork:
        """This unit of work as a read transaction: ``with uow.reading(): ...``."""
        self._write = False
        return self

    def __enter__(self) -> UnitOfWork:
        try:
            connection = self._engine.connect()
        except DBAPIError as exc:
            raise _unavailable(self._engine, exc) from None
        self.connection = connection.execution_options(
            **{dialect.TRANSACTION_OPTION: "write" if self._write else "read"}
        )
        try:
            self.connection.begin()
        except DBAPIError as exc:
            self.connection.close()
            raise _unavailable(self._engine, exc) from None
        conn = self.connection
        self.tenants = TenantRepository(conn)
        self.tokens = TokenRepository(conn)
        self.policies = PolicyRepository(conn)
        self.records = RecordRepository(conn)
        self.decisions = DecisionRepository(conn)
        self.debts = DebtRepository(conn)
        self.idempotency = IdempotencyRepository(conn)
        self.attempts = PublishAttemptRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                try:
                    self.connection.commit()
                except DBAPIError as err:
                    raise _unavailable(self._engine, err) from None
            else:
                self.connection.rollback()
        finally:
            self.connection.close()

    def audit(
        self,
        *,
        tenant: str,
        actor: str,
        action: str,
        subject: str,
        payload: Mapping[str, Any],
    ) -> None:
        """Append an audit ledger entry in this transaction (commits with the change)."""
        index = ledger.append_entry(
            self.connection,
            time=self.clock(),
            tenant=tenant,
            actor=actor,
            action=action,
            subject=subject,
            correlation_id=self.correlation_id,
            payload=dict(payload),
        )
        self.audited.append(index)


def _unavailable(engine: Engine, exc: BaseException) -> BaseException:
    if dialect.is_unreachable(exc) or dialect.is_locked(exc):
        where = engine.url.render_as_string(hide_password=True)
        return DependencyUnavailable(f"the database {where} is unavailable: {_first_line(exc)}")
    return exc


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
