"""``golive audit``: the commands end to end, and their exit codes (0, 1, 2, 3)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import ORIGIN, fill

from golive.cli.main import main
from golive.services import database
from golive.storage.engine import make_engine


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["audit", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'golive.db'}"
    engine = make_engine(url)
    database.upgrade(engine)
    fill(engine, 12)
    engine.dispose()
    return url


@pytest.fixture
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    private = tmp_path / "log.key"
    code, out, _ = run(capsys, "keygen", "--name", ORIGIN, "--out", str(private))
    assert code == 0
    public = tmp_path / "log.pub"
    public.write_text(out)
    return private, public


def test_checkpoint_prove_export_and_verify_offline(
    db: str, keys: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys
    code, note, _ = run(capsys, "checkpoint", "--db", db, "--key", str(private))
    assert code == 0
    assert note.startswith(f"{ORIGIN}\n12\n")
    proof = tmp_path / "proof.json"
    assert run(capsys, "prove", "--db", db, "--index", "4", "--out", str(proof))[0] == 0
    code, out, _ = run(capsys, "verify", "--proof", str(proof), "--key", str(public))
    assert (code, out.startswith("ok: entry 4")) == (0, True)
    bundle = tmp_path / "bundle.json"
    assert run(capsys, "export", "--db", db, "--out", str(bundle))[0] == 0
    code, out, _ = run(
        capsys, "verify", "--bundle", str(bundle), "--key", str(public), "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["range"] == {"start": 0, "end": 12}
    # exit 1: the bundle was changed
    bundle.write_text(bundle.read_text().replace("release:4", "release:5"))
    code, _, err = run(capsys, "verify", "--bundle", str(bundle), "--key", str(public))
    assert code == 1
    assert "error" in err


def test_verify_db_names_the_first_tampered_index_and_exits_1(
    db: str, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys
    run(capsys, "checkpoint", "--db", db, "--key", str(private))
    code, out, _ = run(capsys, "verify", "--db", db, "--key", str(public))
    assert (code, out.startswith("ok: 12 entries")) == (0, True)
    raw = sqlite3.connect(sa.make_url(db).database or "")
    raw.execute("DROP TRIGGER golive_audit_audit_entries_no_update")
    raw.execute("UPDATE audit_entries SET actor = 'user:mallory' WHERE idx IN (7, 9)")
    raw.commit()
    raw.close()
    code, out, _ = run(capsys, "verify", "--db", db, "--key", str(public), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["first_bad_index"] == 7
    assert "golive_audit_audit_entries_no_update" in report["missing_guards"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "--bundle", "/nonexistent/b.json", "--key", "k"], "cannot read"),
        (["verify", "--key", "x"], "exactly one of"),
        (["prove", "--db", "sqlite:///x.db"], "either --index"),
        (["checkpoint", "--db", "sqlite:///x.db", "--key", "/nonexistent.key"], "nonexistent"),
        (["grants", "--owner", "Robert'); DROP", "--app", "app"], "role name"),
        (["prune", "--archive", "a.json", "--before", "yesterday", "--key", "k"], "ISO-8601"),
    ],
)
def test_bad_input_exits_2_with_a_message_naming_what_is_wrong(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2, err
    assert message in err


def test_a_malformed_bundle_exits_2_naming_the_file(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bad.json"
    bundle.write_text('{"format": "golive-audit-bundle", "version": 1, "origin": 3}')
    code, _, err = run(capsys, "verify", "--bundle", str(bundle), "--key", str(keys[1]))
    assert code == 2
    assert str(bundle) in err
    assert "origin" in err


def test_an_unreachable_database_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "verify", "--db", f"sqlite:///{tmp_path / 'missing.db'}")
    assert code == 3
    assert "does not exist" in err
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert run(capsys, "verify", "--db", url)[0] == 3


def test_grants_prints_the_owner_and_application_role_script(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "grants", "--owner", "golive_owner", "--app", "golive_app")
    assert code == 0
    assert "GRANT SELECT, INSERT ON audit_entries" in out
    assert "UPDATE" not in out.split("GRANT SELECT, INSERT ON")[1].split(";")[0]


def test_prune_from_the_command_line(
    db: str, keys: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys
    run(capsys, "checkpoint", "--db", db, "--key", str(private))
    archive = tmp_path / "segment.json"
    assert (
        run(capsys, "export", "--db", db, "--from", "0", "--to", "12", "--out", str(archive))[0]
        == 0
    )
    code, out, err = run(
        capsys,
        "prune",
        "--db",
        db,
        "--archive",
        str(archive),
        "--before",
        "2026-03-01T12:05:00Z",
        "--key",
        str(public),
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["deleted"] == 5
    assert run(capsys, "verify", "--db", db, "--key", str(public))[0] == 0
