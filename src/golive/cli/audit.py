"""``golive audit``: keys, checkpoints, proofs, export, verification, pruning, erasure, grants.

Exit codes: 0 ok; 1 a proof, signature or the database does not verify (tampered);
2 bad input (the message names the file or field); 3 the database is unreachable.

The commands that need no database (``keygen``, ``verify --bundle``, ``verify --proof``)
import neither SQLAlchemy nor the settings: the modules that do are imported in the
commands that use them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from golive.cli._output import echo_json
from golive.core import ledger as core
from golive.errors import EXIT_POLICY_SAYS_NO, DependencyUnavailable, InputError, UsageError
from golive.services import ledger_files

if TYPE_CHECKING:
    import sqlalchemy as sa

    from golive.services import audit

_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
_DB = click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="Database URL (default: GOLIVE_DATABASE_URL).",
)
_NOW = click.option(
    "--now",
    metavar="ISO-8601",
    help="The time to record, with offset (default: the system clock); for replay.",
)


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--now: {value!r} is not an ISO-8601 date-time") from None
    if moment.tzinfo is None:
        raise UsageError(f"--now: {value!r} needs a UTC offset, e.g. +00:00")
    return moment


def _date(option: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not an ISO-8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def _connection(db_url: str | None, *, write: bool) -> Iterator[sa.Connection]:
    """One transaction on the ledger database; exit 3 if it cannot be reached."""
    from sqlalchemy.exc import DBAPIError

    from golive.settings import load_settings
    from golive.storage import dialect
    from golive.storage.engine import make_engine, redacted

    url = db_url or load_settings().database_url
    parsed = dialect.parse_url(url)
    local = parsed.database not in (None, "", ":memory:")
    if dialect.is_sqlite(parsed) and local and not Path(str(parsed.database)).exists():
        raise DependencyUnavailable(f"the database {redacted(url)} does not exist")
    engine = make_engine(url)  # SQLite connections carry the WORM authorizer
    try:
        options: dict[str, str] = {dialect.TRANSACTION_OPTION: "write" if write else "read"}
        if not write and not dialect.is_sqlite(parsed):
            # one snapshot for the whole read, so appends committed meanwhile are not
            # mistaken for tampering (SQLite's read transaction is a snapshot already)
            options["isolation_level"] = "REPEATABLE READ"
        with (
            engine.connect().execution_options(**options) as connection,
            connection.begin(),
        ):
            yield connection
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if dialect.is_unreachable(exc) or dialect.is_locked(exc) or "no such table" in first:
            raise DependencyUnavailable(
                f"the database {redacted(url)} is unavailable or has no ledger "
                f"('golive db upgrade'): {first}"
            ) from None
        raise
    finally:
        engine.dispose()


@click.group(name="audit")
def audit_group() -> None:
    """The tamper-evident audit ledger: checkpoints, proofs, export and verification."""


@audit_group.command()
@click.option("--name", required=True, help="The log's origin, e.g. golive.example.com/acme/prod.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Private key file to create (mode 0600; never overwritten).",
)
@_FORMAT
def keygen(name: str, out: Path, fmt: str) -> None:
    """Make an Ed25519 checkpoint signing key; print its public verifier key (C2SP vkey)."""
    signer = ledger_files.generate_key(name, out)
    vkey = signer.verifier().vkey
    if fmt == "json":
        echo_json({"version": 1, "name": name, "key_file": str(out), "vkey": vkey})
    else:
        click.echo(vkey)


@audit_group.command()
@_DB
@click.option(
    "--key",
    "keys",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Signing key file; repeat to sign with the old and the new key while rotating "
    "(default: GOLIVE_AUDIT_KEY).",
)
@_NOW
@_FORMAT
def checkpoint(db_url: str | None, keys: tuple[Path, ...], now: str | None, fmt: str) -> None:
    """Sign and store a checkpoint of the ledger now; print the signed note."""
    from golive.services import audit
    from golive.settings import load_settings

    paths = list(keys)
    if not paths:
        configured = load_settings().audit_key
        if configured:
            paths = [Path(configured)]
    signers = audit.load_signers(paths)
    with _connection(db_url, write=True) as connection:
        stored = audit.issue_checkpoint(connection, signers, now=_now(now))
    if fmt == "json":
        echo_json(
            {
                "version": 1,
                "id": stored.id,
                "size": stored.size,
                "issued_at": stored.issued_at,
                "root": core.b64(stored.root),
                "note": stored.note,
            }
        )
    else:
        click.echo(stored.note, nl=False)


@audit_group.command()
@_DB
@click.option("--index", type=click.IntRange(min=0), help="Prove the inclusion of this entry.")
@click.option("--size", type=click.IntRange(min=1), help="Against the checkpoint of this size.")
@click.option("--old-size", type=click.IntRange(min=1), help="Consistency: the older checkpoint.")
@click.option("--new-size", type=click.IntRange(min=1), help="Consistency: the newer checkpoint.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
def prove(
    db_url: str | None,
    index: int | None,
    size: int | None,
    old_size: int | None,
    new_size: int | None,
    out: Path | None,
) -> None:
    """Print an inclusion proof (--index) or a consistency proof (--old-size/--new-size)
    as JSON, verifiable offline with 'golive audit verify --proof FILE --key PUB'."""
    from golive.services import audit

    if (index is None) == (old_size is None and new_size is None):
        raise UsageError("give either --index, or --old-size and --new-size")
    with _connection(db_url, write=False) as connection:
        if index is not None:
            document = audit.prove_inclusion(connection, index, checkpoint_size=size)
        else:
            if old_size is None or new_size is None:
                raise UsageError("a consistency proof needs --old-size and --new-size")
            document = audit.prove_consistency(connection, old_size, new_size)
    if out is None:
        echo_json(document)
    else:
        out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@audit_group.command()
@_DB
@click.option("--from", "start", metavar="INDEX|DATE", help="First entry (default: the oldest).")
@click.option(
    "--to", "end", metavar="INDEX|DATE", help="End, exclusive (default: the latest checkpoint)."
)
@click.option(
    "--include-personal",
    is_flag=True,
    help="Add kept personal values and salts (then erasure must also reach this copy).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Bundle file.")
@click.option(
    "--tiles",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead of a bundle, a new directory of C2SP tlog-tiles (checkpoint, hash tiles, "
    "entry bundles) of the whole log at the latest checkpoint, or at --to SIZE.",
)
@_FORMAT
def export(
    db_url: str | None,
    start: str | None,
    end: str | None,
    include_personal: bool,
    out: Path | None,
    tiles: Path | None,
    fmt: str,
) -> None:
    """Write a self-contained, verifiable bundle of entries, checkpoints and proofs, or
    the log as C2SP tlog-tiles (--tiles DIR) for any tlog client or witness."""
    from golive.services import audit

    if (out is None) == (tiles is None):
        raise UsageError("give exactly one of --out FILE or --tiles DIR")
    if tiles is not None:
        if start is not None or include_personal:
            raise UsageError(
                "--tiles writes the whole log without personal values: "
                "--from and --include-personal do not apply"
            )
        if end is not None and not end.strip().isdigit():
            raise UsageError(f"--to: with --tiles, the size of a checkpoint, got {end!r}")
        with _connection(db_url, write=False) as connection:
            written = audit.export_tiles(connection, tiles, size=None if end is None else int(end))
        if fmt == "json":
            echo_json(written)
        else:
            click.echo(
                f"{tiles}: tlog-tiles of a tree of size {written['tree_size']}: "
                f"{written['tiles']} hash tiles, {written['entry_bundles']} entry bundles"
                + (
                    f" ({written['entry_bundles_pruned']} pruned, in their archives)"
                    if written["entry_bundles_pruned"]
                    else ""
                )
            )
        return
    assert out is not None
    with _connection(db_url, write=False) as connection:
        bundle = audit.export_bundle(
            connection,
            start=audit.resolve_bound(connection, start),
            end=audit.resolve_bound(connection, end),
            include_personal=include_personal,
        )
    digest = audit.write_bundle(bundle, out)
    span = bundle["range"]
    assert isinstance(span, dict)
    summary = {
        "version": 1,
        "out": str(out),
        "sha256": digest,
        "range": span,
        "tree_size": bundle["tree_size"],
    }
    if fmt == "json":
        echo_json(summary)
    else:
        click.echo(
            f"{out}: entries [{span['start']}, {span['end']}) of a tree of size "
            f"{bundle['tree_size']}; sha256 {digest}"
        )


@audit_group.command()
@click.option(
    "--bundle", type=click.Path(dir_okay=False, path_type=Path), help="Verify this bundle."
)
@click.option("--proof", type=click.Path(dir_okay=False, path_type=Path), help="Verify a proof.")
@click.option(
    "--tiles",
    type=click.Path(file_okay=False, path_type=Path),
    help="Verify a directory of C2SP tlog-tiles (golive audit export --tiles).",
)
@_DB
@click.option(
    "--key",
    "keys",
    multiple=True,
    help="Public verifier key (name+id+key) or a file of them; repeat for several.",
)
@click.option("--origin", help="The log's origin (default: the name of the keys).")
@_FORMAT
@click.pass_context
def verify(
    ctx: click.Context,
    bundle: Path | None,
    proof: Path | None,
    tiles: Path | None,
    db_url: str | None,
    keys: tuple[str, ...],
    origin: str | None,
    fmt: str,
) -> None:
    """Verify a bundle or a proof offline (no database, no server), or recompute the whole
    tree of a database (--db) and name the first tampered index. Exit 1 if tampered."""
    given = (("--bundle", bundle), ("--proof", proof), ("--tiles", tiles))
    chosen = [name for name, value in given if value]
    if db_url is not None:
        chosen.append("--db")
    if len(chosen) != 1:
        raise UsageError("give exactly one of --bundle FILE, --proof FILE, --tiles DIR or --db URL")
    if tiles is not None:
        checked = ledger_files.verify_tiles_dir(tiles, ledger_files.load_verifiers(keys), origin)
        if fmt == "json":
            echo_json({"version": 1, "ok": True, **checked.as_dict()})
        else:
            found = checked.report
            absent = len(found.bundles_absent)
            click.echo(
                f"ok: {tiles}: {found.tiles} hash tiles and {found.entries} entries lead to the "
                f"signed root of the tree of size {found.size} of {checked.origin}"
                + (f"; {absent} entry bundles absent (pruned)" if absent else "")
                + f"; signed by {', '.join(checked.keys)}"
            )
        return
    if bundle is not None or proof is not None:
        verifiers = ledger_files.load_verifiers(keys)
        if bundle is not None:
            report = ledger_files.verify_bundle_file(bundle, verifiers, origin)
            if fmt == "json":
                echo_json({"version": 1, **report.as_dict()})
            else:
                click.echo(
                    f"ok: {bundle}: entries [{report.start}, {report.end}) are in the tree of "
                    f"size {report.tree_size} of {report.origin}; {report.checkpoints} "
                    f"checkpoints consistent; signed by {', '.join(report.keys)}"
                )
            return
        assert proof is not None
        document, _ = ledger_files.load_bundle(proof)
        try:
            what = ledger_files.verify_proof(document, verifiers)
        except InputError as exc:
            raise InputError(f"{proof}: {exc}") from None
        if fmt == "json":
            echo_json({"version": 1, "ok": True, "proven": what})
        else:
            click.echo(f"ok: {what}")
        return
    from golive.services import audit

    verifiers = ledger_files.load_verifiers(keys) if keys else []
    with _connection(db_url, write=False) as connection:
        result = audit.verify_database(connection, verifiers)
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        _render_database_report(result)
    if not result.ok:
        ctx.exit(EXIT_POLICY_SAYS_NO)


def _render_database_report(result: audit.DatabaseReport) -> None:
    for guard in result.missing_guards:
        click.echo(f"warning: WORM guard missing: {guard}", err=True)
    if not result.signatures_checked:
        click.echo("warning: checkpoint signatures not checked (no --key)", err=True)
    if result.ok:
        click.echo(
            f"ok: {result.entries} entries (tree size {result.size}, pruned below "
            f"{result.pruned_before}) and {result.checkpoints} checkpoints verify"
        )
        return
    first = result.first_bad_index
    click.echo(f"TAMPERED: first bad index {first if first is not None else '(none named)'}")
    for finding in result.findings:
        click.echo(f"  - {finding.message}")


@audit_group.command()
@_DB
@click.option("--archive", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--before", required=True, metavar="DATE", help="Prune entries older than this.")
@click.option("--key", "keys", multiple=True, required=True, help="Public key to verify with.")
@_NOW
@_FORMAT
def prune(
    db_url: str | None,
    archive: Path,
    before: str,
    keys: tuple[str, ...],
    now: str | None,
    fmt: str,
) -> None:
    """Delete hot entries older than --before, only after verifying the archive bundle
    that holds them. Tree nodes stay, so proofs keep working."""
    from golive.services import audit

    cutoff = _date("--before", before)
    moment = _now(now)
    verifiers = ledger_files.load_verifiers(keys)
    with _connection(db_url, write=True) as connection:
        report = audit.prune(
            connection,
            archive,
            before=cutoff,
            verifiers=verifiers,
            now=moment,
        )
    if fmt == "json":
        echo_json(report.as_dict())
    else:
        click.echo(
            f"pruned {report.deleted} entries; entries below {report.before_idx} now live in "
            f"{archive} (sha256 {report.archive_sha256})"
        )


@audit_group.command()
@_DB
@click.option("--subject", required=True, help="Erase the personal values of entries about this.")
@click.option("--tenant", help="Only this tenant's entries (default: every tenant's).")
@click.option("--actor", default="cli", show_default=True, help="Who asked, for the record.")
@_NOW
@_FORMAT
def erase(
    db_url: str | None,
    subject: str,
    tenant: str | None,
    actor: str,
    now: str | None,
    fmt: str,
) -> None:
    """Erase the kept personal values of every entry with this subject (right to erasure)
    and record a 'personal.erased' entry. Leaves, checkpoints and proofs are unchanged."""
    from golive.services import audit

    moment = _now(now)
    with _connection(db_url, write=True) as connection:
        report = audit.erase_subject(connection, subject, tenant=tenant, actor=actor, now=moment)
    if fmt == "json":
        echo_json(report.as_dict())
    elif not report.entries:
        click.echo(f"no entries with subject {subject!r}; nothing erased")
    else:
        click.echo(
            f"erased {report.values_erased} personal values of {len(report.entries)} entries; "
            f"recorded as entries {', '.join(map(str, report.recorded))}"
        )


@audit_group.command()
@click.option("--owner", "owner", default="golive_owner", show_default=True)
@click.option("--app", "app", default="golive_app", show_default=True)
def grants(owner: str, app: str) -> None:
    """Print the PostgreSQL script that gives the ledger to an owner role and the
    application role only SELECT and INSERT on the append-only tables."""
    from golive.storage import worm

    click.echo(worm.grants_sql(owner, app), nl=False)
