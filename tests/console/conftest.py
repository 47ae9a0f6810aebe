"""A seeded SQLite control plane for the console tests (one per module: fast)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_support import Seeded, seed
from sqlalchemy import Engine

from golive.storage.engine import make_engine


@pytest.fixture(scope="module")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Seeded]]:
    path = tmp_path_factory.mktemp("console") / "console.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        yield engine, seed(engine, url)
    finally:
        engine.dispose()
