"""``golive db upgrade`` and ``golive db check``: exit 0 current, 1 behind, 3 unreachable."""

from __future__ import annotations

import pytest

from golive.cli.main import main


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_check_upgrade_check_on_a_new_sqlite_file(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GOLIVE_DATABASE_URL", f"sqlite:///{tmp_path / 'g.db'}")
    assert _run(["db", "check"]) == 1
    assert "behind" in capsys.readouterr().out
    assert _run(["db", "upgrade"]) == 0
    assert _run(["db", "check"]) == 0
    assert "current" in capsys.readouterr().out


@pytest.mark.postgres
def test_check_exits_3_when_the_database_is_unreachable(monkeypatch, capsys) -> None:
    monkeypatch.setenv("GOLIVE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/x")
    assert _run(["db", "check"]) == 3
    assert "unavailable" in capsys.readouterr().err


def test_check_exits_2_for_a_database_url_golive_cannot_use(monkeypatch, capsys) -> None:
    monkeypatch.setenv("GOLIVE_DATABASE_URL", "mysql://h/db")
    assert _run(["db", "check"]) == 2
    assert "database_url" in capsys.readouterr().err
