"""Background work of ``golive serve``: scheduled ledger checkpoints.

:func:`lifespan` is the FastAPI lifespan of :func:`golive.api.app.create_app`. When
``GOLIVE_AUDIT_KEY`` is set it starts one task that calls
:func:`golive.services.audit.scheduled_checkpoint` every ``checkpoint_interval`` in a worker
thread (the database calls block), logs a failure and goes on, and is cancelled and awaited
on shutdown. Nothing runs at import time.

The key file is read once at start-up: an unreadable key stops the app from starting
rather than leaving the log unsigned. Each replica runs its own loop;
``scheduled_checkpoint`` locks the ledger head and signs only a grown tree, so when two
replicas wake together one signs and the other finds that checkpoint and signs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI

from golive.core.note import Signer
from golive.services import audit

log = logging.getLogger("golive.scheduler")

CHECKPOINT_TASK = "golive-checkpoints"
"""Name of the checkpoint task (``asyncio.Task.get_name``), for tests and debugging."""


async def checkpoint_loop(
    engine: sa.Engine,
    signers: Sequence[Signer],
    clock: Callable[[], datetime],
    interval: float,
) -> None:
    """Issue a checkpoint every ``interval`` seconds until cancelled; never raises else."""
    while True:
        try:
            stored = await asyncio.to_thread(audit.scheduled_checkpoint, engine, signers, clock)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failed round is logged; the next one tries again
            log.error(
                "scheduled checkpoint failed: %s: %s",
                type(exc).__name__,
                exc,
                extra={"event": "checkpoint.failed"},
            )
        else:
            if stored is not None:
                log.info(
                    "checkpoint %s signed at tree size %s",
                    stored.id,
                    stored.size,
                    extra={"event": "checkpoint.signed", "tree_size": stored.size},
                )
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the checkpoint task when a signing key is configured; stop it on shutdown."""
    state = app.state.golive
    settings = state.settings
    task: asyncio.Task[None] | None = None
    if settings.audit_key:
        signers = audit.load_signers([Path(settings.audit_key)])
        task = asyncio.create_task(
            checkpoint_loop(
                state.engine, signers, state.clock, settings.checkpoint_interval_seconds
            ),
            name=CHECKPOINT_TASK,
        )
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
