"""``golive audit erase --subject S``: personal values go, the erasure is recorded, and every
proof, checkpoint and ``verify --db`` still passes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import ORIGIN, T0, fill

from golive.cli.main import main
from golive.services import database
from golive.storage import ledger
from golive.storage.engine import make_engine

PERSON = "person:ana"
EMAIL = "ana@example.com"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["audit", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def _append_about_ana(engine: sa.Engine, tenant: str, count: int) -> None:
    with engine.begin() as connection:
        for n in range(count):
            ledger.append_entry(
                connection,
                time=T0 + timedelta(hours=1, minutes=n),
                tenant=tenant,
                actor="user:ops",
                action="access.granted",
                subject=PERSON,
                correlation_id=f"ana-{n}",
                payload={"email": EMAIL, "role": "sre"},
                personal=["email"],
            )


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'golive.db'}"
    engine = make_engine(url)
    database.upgrade(engine)
    fill(engine, 5)  # entries 0-4, other subjects, each with a kept e-mail
    _append_about_ana(engine, "acme", 2)  # entries 5, 6
    _append_about_ana(engine, "globex", 1)  # entry 7
    engine.dispose()
    return url


def _kept(url: str) -> dict[int, dict[str, tuple[bytes, str]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return ledger.personal_values(connection, range(100))
    finally:
        engine.dispose()


def _entry(url: str, index: int) -> dict[str, object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            entry = ledger.get_entry(connection, index)
            assert entry is not None
            return entry.as_dict()
    finally:
        engine.dispose()


def test_erasure_removes_the_values_records_itself_and_every_proof_still_verifies(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = tmp_path / "log.key", tmp_path / "log.pub"
    code, vkey, _ = run(capsys, "keygen", "--name", ORIGIN, "--out", str(private))
    public.write_text(vkey)
    assert run(capsys, "checkpoint", "--db", db, "--key", str(private))[0] == 0
    proof = tmp_path / "proof.json"
    assert run(capsys, "prove", "--db", db, "--index", "6", "--out", str(proof))[0] == 0
    assert {5, 6, 7} <= set(_kept(db))

    code, out, _ = run(capsys, "erase", "--db", db, "--subject", PERSON, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report == {
        "version": 1,
        "subject": PERSON,
        "entries": [5, 6, 7],
        "values_erased": 3,
        "recorded": [8, 9],
    }
    kept = _kept(db)
    assert not {5, 6, 7} & set(kept)
    assert set(kept) == {0, 1, 2, 3, 4}  # other subjects keep theirs
    for index, tenant, erased in ((8, "acme", [5, 6]), (9, "globex", [7])):
        record = _entry(db, index)
        assert record["action"] == "personal.erased"
        assert (record["tenant"], record["subject"]) == (tenant, PERSON)
        assert record["payload"] == {"entries": erased, "values_erased": len(erased)}
        assert EMAIL not in json.dumps(record)

    # the proof made before erasure still verifies, so do new proofs and the whole database
    assert run(capsys, "verify", "--proof", str(proof), "--key", str(public))[0] == 0
    assert run(capsys, "checkpoint", "--db", db, "--key", str(private))[0] == 0
    assert run(capsys, "prove", "--db", db, "--index", "5", "--out", str(proof))[0] == 0
    assert run(capsys, "verify", "--proof", str(proof), "--key", str(public))[0] == 0
    code, out, _ = run(capsys, "verify", "--db", db, "--key", str(public), "--format", "json")
    assert (code, json.loads(out)["ok"]) == (0, True)
    bundle = tmp_path / "bundle.json"
    assert run(capsys, "export", "--db", db, "--include-personal", "--out", str(bundle))[0] == 0
    assert EMAIL not in bundle.read_text()
    assert run(capsys, "verify", "--bundle", str(bundle), "--key", str(public))[0] == 0


def test_erasure_can_be_limited_to_one_tenant(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "erase", "--db", db, "--subject", PERSON, "--tenant", "globex")
    assert code == 0
    assert out == "erased 1 personal values of 1 entries; recorded as entries 8\n"
    assert {5, 6} <= set(_kept(db))
    assert 7 not in _kept(db)


def test_a_subject_with_no_entries_erases_and_records_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "erase", "--db", db, "--subject", "person:nobody")
    assert (code, out) == (0, "no entries with subject 'person:nobody'; nothing erased\n")
    assert len(_kept(db)) == 8


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--subject", " "], 2),
        (["--subject", PERSON, "--now", "yesterday"], 2),
        ([], 2),  # --subject is required
    ],
)
def test_bad_input_is_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], expected: int
) -> None:
    assert run(capsys, "erase", "--db", db, *args)[0] == expected


def test_a_missing_database_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = f"sqlite:///{tmp_path / 'absent.db'}"
    code, _, err = run(capsys, "erase", "--db", missing, "--subject", PERSON)
    assert code == 3
    assert "does not exist" in err
