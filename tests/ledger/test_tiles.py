"""The ledger as C2SP tlog-tiles: `golive audit export --tiles` and `verify --tiles`.

The layout is checked against the C2SP tlog-tiles specification's rules (paths, partial
tiles, entry bundles); the tiles' hashes against an independent computation from the
stored entries (each entry's leaf hash and each level-8 node recomputed with the plain
RFC 9162 functions); and the verifier against copies changed in every kind of file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import ORIGIN, bypass_guards, checkpoint, create_ledger, fill, sqlite_engine

from golive.cli.main import main
from golive.core import ledger as core
from golive.core import merkle, tiles
from golive.core.note import Ed25519Signer
from golive.errors import InputError, VerificationError
from golive.services import audit, database, ledger_files
from golive.storage import ledger, worm
from golive.storage.engine import make_engine


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 0, 256, "tile/0/000"),
        (0, 1, 256, "tile/0/001"),
        (1, 999, 256, "tile/1/999"),
        (0, 1000, 256, "tile/0/x001/000"),
        (2, 1234067, 256, "tile/2/x001/x234/067"),  # the specification's example
        (0, 7, 13, "tile/0/007.p/13"),
        (3, 1234067, 1, "tile/3/x001/x234/067.p/1"),
    ],
)
def test_tile_paths_follow_the_specification(level: int, index: int, width: int, path: str) -> None:
    assert tiles.tile_path(level, index, width) == path
    assert tiles.entries_path(index, width) == path.replace(f"tile/{level}/", "tile/entries/")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: tiles.tile_path(0, 0, 0), "1 to 256"),
        (lambda: tiles.tile_path(0, 0, 257), "1 to 256"),
        (lambda: tiles.tile_path(64, 0), "0 to 63"),
        (lambda: tiles.entries_path(-1), "not negative"),
    ],
)
def test_impossible_tiles_are_refused(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()  # type: ignore[operator]


def test_the_tiles_of_a_tree_are_its_full_and_partial_levels() -> None:
    assert tiles.hash_tiles(1) == [(0, 0, 1)]
    assert tiles.hash_tiles(256) == [(0, 0, 256), (1, 0, 1)]
    assert tiles.hash_tiles(600) == [(0, 0, 256), (0, 1, 256), (0, 2, 88), (1, 0, 2)]
    layout = tiles.hash_tiles(256 * 256 + 3)
    assert layout[-3:] == [(0, 256, 3), (1, 0, 256), (2, 0, 1)]
    assert len(layout) == 256 + 1 + 1 + 1
    assert tiles.entry_bundles(600) == [(0, 256), (1, 256), (2, 88)]
    assert tiles.entry_bundles(512) == [(0, 256), (1, 256)]


def test_entry_bundles_round_trip_and_refuse_what_they_cannot_hold() -> None:
    entries = [b"", b"a", b"x" * 300, bytes(range(256))]
    data = tiles.encode_bundle(entries)
    assert data[:2] == b"\x00\x00"
    assert data[2:4] == b"\x00\x01"
    assert tiles.decode_bundle(data, 4, "b") == entries
    for damaged, width in ((data[:-1], 4), (data + b"\x00", 4), (data, 5), (data, 3)):
        with pytest.raises(VerificationError, match="not an entry bundle of"):
            tiles.decode_bundle(damaged, width, "b")
    with pytest.raises(InputError, match="entry 17 is 65536 bytes"):
        tiles.encode_bundle([b"x" * 65536], first=17)


@pytest.fixture
def exported(engine: sa.Engine, tmp_path: Path) -> tuple[Path, Ed25519Signer, sa.Engine]:
    """A ledger of 600 entries with checkpoints at 300 and 600, exported as tiles."""
    signer = audit.generate_key(ORIGIN, tmp_path / "log.key")
    fill(engine, 300)
    checkpoint(engine, [signer])
    fill(engine, 300, start=300)
    checkpoint(engine, [signer])
    out = tmp_path / "tiles"
    with engine.connect() as connection:
        written = audit.export_tiles(connection, out)
    assert written == {
        "version": 1,
        "out": str(out),
        "tree_size": 600,
        "tiles": 4,
        "entry_bundles": 3,
        "entry_bundles_pruned": 0,
    }
    return out, signer, engine


def test_the_tiles_hold_what_an_independent_computation_gives(
    exported: tuple[Path, Ed25519Signer, sa.Engine],
) -> None:
    out, _, engine = exported
    with engine.connect() as connection:
        entries = [ledger.entry_from_row(r) for r in ledger.iter_entries(connection)]
        note = ledger.latest_checkpoint(connection)
    assert note is not None
    leaves = [merkle.leaf_hash(e.leaf()) for e in entries]
    assert (out / "checkpoint").read_text() == note.note
    level0 = b"".join(
        (out / p).read_bytes() for p in ("tile/0/000", "tile/0/001", "tile/0/002.p/88")
    )
    assert level0 == b"".join(leaves)
    # level 1 holds level-8 nodes: the roots of each 256 leaves
    level8 = [merkle.root_from_level(leaves[i : i + 256]) for i in (0, 256)]
    assert (out / "tile/1/000.p/2").read_bytes() == b"".join(level8)
    assert merkle.root_from_level(leaves) == note.root
    bundles = b"".join(
        (out / p).read_bytes()
        for p in ("tile/entries/000", "tile/entries/001", "tile/entries/002.p/88")
    )
    assert bundles == tiles.encode_bundle([e.leaf() for e in entries])
    entry = json.loads(tiles.decode_bundle((out / "tile/entries/000").read_bytes(), 256, "x")[5])
    assert entry["index"] == 5
    assert "$personal" in json.dumps(entry["payload"]["email"])
    assert not list(out.parent.glob(".tiles.*"))  # no staging directory left


def test_a_copy_verifies_offline_with_only_the_public_key(
    exported: tuple[Path, Ed25519Signer, sa.Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    out, signer, _ = exported
    checked = ledger_files.verify_tiles_dir(out, [signer.verifier()])
    assert checked.report == tiles.TilesReport(size=600, tiles=4, entries=600, bundles_absent=())
    code, printed, _ = _cli(capsys, "verify", "--tiles", str(out), "--key", signer.verifier().vkey)
    assert code == 0
    assert printed.startswith(f"ok: {out}: 4 hash tiles and 600 entries lead to the signed root")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["audit", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _flip(d / "tile/0/001", 40), "tile/1/000.p/2: hash 1 is not the root"),
        (lambda d: _flip(d / "tile/1/000.p/2", 0), "tile/1/000.p/2: hash 0 is not the root"),
        (lambda d: _flip(d / "tile/0/002.p/88", 0), "do not lead to the checkpoint's root"),
        (lambda d: (d / "tile/0/001").unlink(), "tile/0/001: missing"),
        (
            lambda d: (d / "tile/0/002.p/88").write_bytes(b"\0" * 32),
            "tile/0/002.p/88: expected 88 hashes",
        ),
        (
            lambda d: _flip(d / "tile/entries/001", 300),
            "tile/entries/001: entry 257 does not hash to its leaf",
        ),
        (
            lambda d: (d / "tile/entries/002.p/88").write_bytes(b"\0\1x"),
            "tile/entries/002.p/88: not an entry bundle of 88 entries",
        ),
        (lambda d: _flip(d / "checkpoint", 30), "signature|checkpoint"),
    ],
)
def test_every_kind_of_change_to_a_copy_is_named(
    exported: tuple[Path, Ed25519Signer, sa.Engine],
    tmp_path: Path,
    change: object,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, signer, _ = exported
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    change(copy)  # type: ignore[operator]
    with pytest.raises((VerificationError, InputError), match=message):
        ledger_files.verify_tiles_dir(copy, [signer.verifier()])
    code, _, err = _cli(capsys, "verify", "--tiles", str(copy), "--key", signer.verifier().vkey)
    assert code in (1, 2)
    assert err


def test_an_absent_entry_bundle_is_reported_not_hidden(
    exported: tuple[Path, Ed25519Signer, sa.Engine],
) -> None:
    out, signer, _ = exported
    (out / "tile/entries/000").unlink()
    checked = ledger_files.verify_tiles_dir(out, [signer.verifier()])
    assert checked.report.bundles_absent == (0,)
    assert checked.report.entries == 344


def test_another_logs_key_does_not_verify_a_copy(
    exported: tuple[Path, Ed25519Signer, sa.Engine], tmp_path: Path
) -> None:
    out, _, _ = exported
    other = audit.generate_key(ORIGIN, tmp_path / "other.key")
    with pytest.raises(VerificationError):
        ledger_files.verify_tiles_dir(out, [other.verifier()])
    stranger = audit.generate_key("other.example/log", tmp_path / "stranger.key")
    with pytest.raises(VerificationError, match="the keys given are"):
        ledger_files.verify_tiles_dir(out, [stranger.verifier()])


def test_export_at_an_earlier_checkpoint_and_refusals(
    exported: tuple[Path, Ed25519Signer, sa.Engine], tmp_path: Path
) -> None:
    out, signer, engine = exported
    earlier = tmp_path / "at300"
    with engine.connect() as connection:
        assert audit.export_tiles(connection, earlier, size=300)["tree_size"] == 300
        with pytest.raises(InputError, match="already exists"):
            audit.export_tiles(connection, out)
        with pytest.raises(InputError, match="no checkpoint of size 301"):
            audit.export_tiles(connection, tmp_path / "none", size=301)
        with pytest.raises(InputError, match="no such directory"):
            audit.export_tiles(connection, tmp_path / "missing" / "x")
    assert not (tmp_path / "none").exists()
    assert ledger_files.verify_tiles_dir(earlier, [signer.verifier()]).report.size == 300
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_an_entry_too_large_for_a_bundle_leaves_nothing_behind(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "big.db")
    create_ledger(engine)
    signer = audit.generate_key(ORIGIN, tmp_path / "log.key")
    with engine.begin() as connection:
        ledger.append_entry(
            connection,
            time=core.parse_time("2026-03-01T12:00:00.000000Z"),
            tenant="acme",
            actor="a",
            action="big",
            subject="s",
            correlation_id="c",
            payload={"blob": "x" * 70_000},
        )
    checkpoint(engine, [signer])
    with engine.connect() as connection, pytest.raises(InputError, match="entry 0 is 7"):
        audit.export_tiles(connection, tmp_path / "tiles")
    assert [p.name for p in tmp_path.iterdir() if "tiles" in p.name] == []
    engine.dispose()


def test_export_and_verify_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'golive.db'}"
    engine = make_engine(url)
    database.upgrade(engine)
    fill(engine, 20)
    engine.dispose()
    key = tmp_path / "log.key"
    code, vkey, _ = _cli(capsys, "keygen", "--name", ORIGIN, "--out", str(key))
    assert code == 0
    assert _cli(capsys, "checkpoint", "--db", url, "--key", str(key))[0] == 0
    out = tmp_path / "tiles"
    code, printed, err = _cli(
        capsys, "export", "--db", url, "--tiles", str(out), "--format", "json"
    )
    assert code == 0, err
    assert json.loads(printed)["tree_size"] == 20
    code, printed, _ = _cli(
        capsys, "verify", "--tiles", str(out), "--key", vkey.strip(), "--format", "json"
    )
    assert code == 0
    assert json.loads(printed)["entries_checked"] == 20
    for args in (
        ["export", "--db", url],
        ["export", "--db", url, "--tiles", str(out), "--out", str(tmp_path / "b.json")],
        ["export", "--db", url, "--tiles", str(tmp_path / "t2"), "--include-personal"],
        ["export", "--db", url, "--tiles", str(tmp_path / "t3"), "--to", "2026-01-01"],
        ["export", "--db", url, "--tiles", str(out)],
        ["verify", "--tiles", str(tmp_path / "nowhere"), "--key", vkey.strip()],
    ):
        code, _, err = _cli(capsys, *args)
        assert code == 2, (args, err)
        assert err.strip()
    assert not (tmp_path / "t2").exists()
    assert not (tmp_path / "t3").exists()


def test_the_index_spellings_of_go_sumdb_tiles_read_the_same() -> None:
    """The index part of golang.org/x/mod/sumdb/tlog's tile paths (its tile_test.go):
    ``x123/x456/078`` is 123456078, ``123/456/078`` (no ``x``) is not a tile."""
    assert tiles.parse_index_path("x123/x456/078") == (123_456_078, 256)
    assert tiles.parse_index_path("x123/x456/078.p/2") == (123_456_078, 2)
    assert tiles.parse_index_path("x003/x057/500") == (3_057_500, 256)
    with pytest.raises(InputError):
        tiles.parse_index_path("123/456/078")


@pytest.mark.parametrize("index", [0, 1, 999, 1000, 65_535, 1_234_067, 10**12 + 7])
@pytest.mark.parametrize("width", [1, 13, 255, 256])
def test_tile_paths_read_back_to_their_index_and_width(index: int, width: int) -> None:
    path = tiles.tile_path(0, index, width).removeprefix("tile/0/")
    assert tiles.parse_index_path(path) == (index, width)


@pytest.mark.parametrize(
    "path", ["", "67", "0067", "x000/067", "x01/067", "067/x001", "x001/067.p/0", "067.p/256",
             "067.p/013", "067.p/", "067.p/x", "\u0661\u0662\u0663", "067/", "/067", "X001/067"],
)  # fmt: skip
def test_any_other_spelling_of_a_tile_path_is_refused(path: str) -> None:
    with pytest.raises(InputError):
        tiles.parse_index_path(path)


_ENTRIES, _NODES = ledger.audit_entries, ledger.audit_nodes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _ENTRIES.update().where(_ENTRIES.c.idx == 400).values(actor="mallory"),
            "entry 400 does not hash",
        ),
        (_ENTRIES.update().where(_ENTRIES.c.idx == 7).values(leaf=b"\0" * 32), "do not lead to"),
        (_NODES.update().where(_NODES.c.level == 8).values(hash=b"\0" * 32), "is not the root"),
        (_ENTRIES.delete().where(_ENTRIES.c.idx == 599), "not all stored"),
    ],
    ids=["entry", "leaf hash", "node", "deleted entry"],
)
def test_a_changed_database_is_not_exported(
    exported: tuple[Path, Ed25519Signer, sa.Engine],
    tmp_path: Path,
    change: sa.Executable,
    message: str,
) -> None:
    """The copy is checked as a tlog client checks it before it is renamed into place."""
    _, _, engine = exported
    with engine.connect() as connection:
        transaction = connection.begin()
        with worm.allow_ddl(connection):  # a superuser, on golive's own connection
            bypass_guards(connection)
            connection.execute(change)
        with pytest.raises(VerificationError, match=message):
            audit.export_tiles(connection, tmp_path / "changed")
        transaction.rollback()
    assert not (tmp_path / "changed").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
