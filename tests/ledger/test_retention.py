"""Retention: archive a segment, prune hot rows only after the archive verified; proofs go on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import ORIGIN, T0, checkpoint, fill

from golive.core.note import Ed25519Signer
from golive.errors import InputError, VerificationError
from golive.services import audit, ledger_files
from golive.storage import ledger, worm


@pytest.fixture
def signer(tmp_path: Path) -> Ed25519Signer:
    return audit.generate_key(ORIGIN, tmp_path / "log.key")


@pytest.fixture
def log(engine: sa.Engine, signer: Ed25519Signer) -> sa.Engine:
    fill(engine, 30)
    checkpoint(engine, [signer])
    fill(engine, 10, start=30)
    checkpoint(engine, [signer])
    return engine


def _archive(engine: sa.Engine, path: Path, end: int | None = None) -> Path:
    with engine.connect() as connection:
        audit.write_bundle(audit.export_bundle(connection, start=0, end=end), path)
    return path


def test_pruning_after_a_verified_archive_keeps_proofs_and_verification_working(
    log: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    archive = _archive(log, tmp_path / "2026-03.json", end=30)
    with log.begin() as connection:
        report = audit.prune(
            connection,
            archive,
            before=T0 + timedelta(minutes=20),
            verifiers=[signer.verifier()],
            now=T0,
        )
    assert (report.before_idx, report.deleted) == (20, 20)
    with log.connect() as connection:
        assert ledger.get_entry(connection, 19) is None
        assert ledger.get_entry(connection, 20) is not None
        result = audit.verify_database(connection, [signer.verifier()])
        assert result.ok, result.findings
        assert (result.pruned_before, result.entries) == (20, 20)
        # later entries and both checkpoints still prove from the database
        document = audit.prove_inclusion(connection, 35)
        assert "entry 35" in audit.verify_proof(document, [signer.verifier()])
        assert "extends" in audit.verify_proof(
            audit.prove_consistency(connection, 30, 40), [signer.verifier()]
        )
        with pytest.raises(InputError, match="pruned"):
            audit.prove_inclusion(connection, 5)
        with pytest.raises(InputError, match="pruned"):
            audit.export_bundle(connection, start=0)
        # the next segment exports from the prune mark
        rest = audit.export_bundle(connection)
    assert rest["range"] == {"start": 20, "end": 40}
    # the pruned entries still verify, offline, from the archive
    assert audit.verify_bundle_file(archive, [signer.verifier()]).end == 30


def test_pruning_refuses_an_archive_that_does_not_verify(
    log: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    archive = _archive(log, tmp_path / "a.json", end=30)
    archive.write_text(archive.read_text().replace("release:3", "release:X"))
    with log.begin() as connection, pytest.raises(VerificationError):
        audit.prune(
            connection,
            archive,
            before=T0 + timedelta(days=1),
            verifiers=[signer.verifier()],
            now=T0,
        )
    with log.connect() as connection:
        assert ledger.get_entry(connection, 3) is not None


def test_pruning_refuses_an_archive_of_another_log(
    log: sa.Engine, signer: Ed25519Signer, tmp_path: Path, engine: sa.Engine
) -> None:
    other = Ed25519Signer(ORIGIN, b"\5" * 32)
    archive = _archive(log, tmp_path / "a.json", end=30)
    with log.begin() as connection, pytest.raises(VerificationError):
        audit.prune(
            connection,
            archive,
            before=T0 + timedelta(days=1),
            verifiers=[other.verifier()],
            now=T0,
        )


def test_pruning_refuses_an_archive_that_starts_after_the_hot_rows(
    log: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    with log.connect() as connection:
        bundle = audit.export_bundle(connection, start=5, end=30)
    path = tmp_path / "late.json"
    audit.write_bundle(bundle, path)
    with log.begin() as connection, pytest.raises(InputError, match="not archived"):
        audit.prune(
            connection,
            path,
            before=T0 + timedelta(days=1),
            verifiers=[signer.verifier()],
            now=T0,
        )


def test_the_triggers_still_refuse_deleting_entries_above_the_prune_mark(
    log: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    archive = _archive(log, tmp_path / "a.json", end=30)
    with log.begin() as connection:
        audit.prune(
            connection,
            archive,
            before=T0 + timedelta(minutes=10),
            verifiers=[signer.verifier()],
            now=T0,
        )
    entries = ledger.audit_entries
    with (
        log.begin() as connection,
        worm.allow_prune(connection),
        pytest.raises(sa.exc.DatabaseError),
    ):
        connection.execute(entries.delete().where(entries.c.idx == 15))


def test_pruning_across_tiles_keeps_the_lower_nodes_so_every_proof_still_comes_from_the_database(
    engine: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    """Nodes are stored from level 8 up; entries leaving by a prune leave their leaf hashes
    and the lower nodes over them, twice here, each time in the middle of a tile."""
    fill(engine, 300)
    checkpoint(engine, [signer])
    fill(engine, 400, start=300)
    checkpoint(engine, [signer])
    with engine.connect() as connection:
        leaves = ledger.leaf_hashes(connection, 0, 700)
    verifiers = [signer.verifier()]
    for cut in (270, 520):
        archive = tmp_path / f"to-{cut}.json"
        with engine.begin() as connection:
            # from the prune mark (none yet, then 270) to the last checkpoint
            audit.write_bundle(audit.export_bundle(connection, end=700), archive)
            report = audit.prune(
                connection,
                archive,
                before=T0 + timedelta(minutes=cut),
                verifiers=verifiers,
                now=T0,
            )
        assert report.before_idx == cut
    with engine.connect() as connection:
        result = audit.verify_database(connection, verifiers)
        assert result.ok, result.findings
        assert (result.pruned_before, result.entries) == (520, 180)
        # the pruned entries' leaf hashes are nodes of level 0 now, the same as before
        assert ledger.leaf_hashes(connection, 0, 700) == leaves
        lower = connection.execute(
            sa.select(sa.func.count())
            .select_from(ledger.audit_nodes)
            .where(ledger.audit_nodes.c.level < ledger.NODE_FLOOR)
        ).scalar_one()
        # every complete node of levels 0-7 over [0, 520): 520 + 260 + 130 + 65 + 32 + ...
        assert lower == sum(520 >> level for level in range(ledger.NODE_FLOOR))
        for index in (520, 521, 600, 699):
            document = audit.prove_inclusion(connection, index)
            assert f"entry {index}" in audit.verify_proof(document, verifiers)
        assert "extends" in audit.verify_proof(
            audit.prove_consistency(connection, 300, 700), verifiers
        )
        audit.export_tiles(connection, tmp_path / "tiles")
    checked = ledger_files.verify_tiles_dir(tmp_path / "tiles", verifiers)
    assert checked.report.bundles_absent == (0, 1, 2)  # tiles holding pruned entries
