"""What the admin console shows: one read model per page, and its sign-in audit entries.

Every function takes the caller (:class:`Principal`), checks the permission from the one
table in :mod:`golive.services.access`, and reads only the caller's tenant. Pages render
these plain dataclasses and dictionaries; nothing here knows about HTML.

Sign-in and sign-out are audit entries (``console.signed_in``, ``console.signed_out``),
each written in its own transaction by :func:`record_session`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.core import ledger as core_ledger
from golive.core.merkle import inclusion_ranges, verify_inclusion
from golive.core.policy.explain import Explanation, explain
from golive.errors import InputError, NotFound, Unauthenticated, UsageError, VerificationError
from golive.services import audit, policy_store, replay, tenants
from golive.services.access import Principal
from golive.storage import ledger
from golive.storage.console import ConsoleQueries
from golive.storage.unit_of_work import UnitOfWork

#: Severities from the most to the least severe (the order findings sort in).
SEVERITIES = ("critical", "high", "medium", "low", "info", "none", "unknown")
#: Finding statuses that mean "not counted against the release" but are always listed.
WAIVED_STATUSES = ("waived", "suppressed", "not_affected", "withdrawn", "not_new")
FINDING_SORTS = ("severity", "tool", "rule", "location", "status")
AUDIT_PAGE = 50


# --- sessions -----------------------------------------------------------------------------------


def principal_for_token_hash(uow: UnitOfWork, token_hash: str) -> Principal:
    """The caller a console session stands for, re-checked on every request (a revoked or
    expired token ends its sessions at once)."""
    with uow.reading():
        row = uow.tokens.by_hash(token_hash)
        now = uow.clock()
    if row is None or not row.usable(now):
        raise Unauthenticated("the session's API token is unknown, expired or revoked")
    return Principal(row.tenant_id, row.tenant, row.role, f"token:{row.id}:{row.name}", "")


def sign_in_with_token(uow: UnitOfWork, secret: str) -> tuple[Principal, str]:
    """Authenticate an API token pasted into the sign-in form; (caller, token hash)."""
    who = tenants.authenticate(uow, secret.strip())
    return who, tenants.hash_token(secret.strip())


def record_session(uow: UnitOfWork, who: Principal, *, action: str, method: str) -> None:
    """Write ``console.signed_in`` or ``console.signed_out`` for ``who``."""
    if action not in ("console.signed_in", "console.signed_out"):
        raise UsageError(f"action: {action!r} is not a session action")
    with uow:
        uow.audit(
            tenant=who.tenant,
            actor=who.actor,
            action=action,
            subject=f"session:{who.actor}",
            payload={"method": method, "role": who.role},
        )


# --- overview -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    running: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    owed: list[dict[str, Any]]
    audit: list[dict[str, Any]] | None  # None: the caller's role may not read the audit log


def overview(uow: UnitOfWork, who: Principal, *, decisions: int = 10) -> Overview:
    who.require("decisions:read")
    who.require("records:read")
    may_audit = _may(who, "audit:read")
    with uow.reading():
        now = uow.clock()
        queries = ConsoleQueries(uow.connection)
        running = queries.current_deployments(who.tenant_id)
        rows = uow.decisions.find(who.tenant_id, limit=decisions)
        recent = (
            [_entry(r) for r in queries.audit_page(who.tenant, limit=10)] if may_audit else None
        )
    owed = [
        {
            "decision": r["id"],
            "deployable": r["deployable"],
            "version": r["version"],
            "environment": r["environment"],
            "check": c.get("id"),
            "title": c.get("title") or c.get("id"),
            "since": r["now"],
            "age": _age(now - r["now"]),
        }
        for r in rows
        for c in r["document"].get("checks", [])
        if c.get("outcome") == "owed"
    ]
    return Overview(running, [_decision(r) for r in rows], owed, recent)


def _age(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _decision(row: Mapping[str, Any]) -> dict[str, Any]:
    summary = row["document"].get("summary") or {}
    return {
        "id": row["id"],
        "environment": row["environment"],
        "deployable": row["deployable"],
        "version": row["version"],
        "verdict": row["verdict"],
        "policy_digest": row["policy_digest"],
        "decided_at": row["decided_at"],
        "decided_by": row["decided_by"],
        "source": row["source"],
        "blocking": list(summary.get("blocking") or []),
    }


# --- releases -----------------------------------------------------------------------------------


def releases(
    uow: UnitOfWork,
    who: Principal,
    *,
    environment: str | None = None,
    deployable: str | None = None,
    verdict: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    who.require("decisions:read")
    with uow.reading():
        rows = uow.decisions.find(
            who.tenant_id,
            environment=environment or None,
            deployable=deployable or None,
            verdict=verdict or None,
            limit=limit,
        )
    return [_decision(r) for r in rows]


@dataclass(frozen=True)
class FindingFilter:
    severity: str = ""
    tool: str = ""
    sort: str = "severity"

    def normalised(self) -> FindingFilter:
        return FindingFilter(
            self.severity if self.severity in SEVERITIES else "",
            self.tool,
            self.sort if self.sort in FINDING_SORTS else "severity",
        )


@dataclass(frozen=True)
class Release:
    decision: dict[str, Any]
    document: dict[str, Any]
    checks: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    findings_total: int
    tools: list[str]
    severities: list[str]
    approvals: list[dict[str, Any]]
    signoffs: list[dict[str, Any]]
    override: dict[str, Any] | None
    checklist_items: list[tuple[str, str]] = field(default_factory=list)


def release(
    uow: UnitOfWork, who: Principal, decision_id: int, findings: FindingFilter = FindingFilter()
) -> Release:
    """A candidate's decision with every check, its findings, approvals and sign-offs."""
    who.require("decisions:read")
    who.require("records:read")
    with uow.reading():
        row = uow.decisions.get(who.tenant_id, decision_id)
        if row is None:
            raise NotFound(f"decision: no decision {decision_id}")
        subject = (who.tenant_id, row["deployable"], row["version"])
        approvals = uow.records.for_subject("approvals", *subject)
        signoffs = uow.records.for_subject("signoffs", *subject)
        policy = uow.policies.by_digest(who.tenant_id, row["policy_digest"])
    document: dict[str, Any] = row["document"]
    checks = list(document.get("checks") or [])
    every = flatten_findings(checks)
    chosen = filter_findings(every, findings.normalised())
    override = next((c for c in checks if c.get("id") == "override"), None)
    return Release(
        decision=_decision(row),
        document=document,
        checks=checks,
        findings=chosen,
        findings_total=len(every),
        tools=sorted({f["tool"] for f in every}),
        severities=[s for s in SEVERITIES if any(f["severity"] == s for f in every)],
        approvals=approvals,
        signoffs=signoffs,
        override=override,
        checklist_items=_checklist_items(policy),
    )


def _checklist_items(policy: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(checklist, item) pairs the policy names, offered by the sign-off form."""
    if policy is None:
        return []
    try:
        loaded = policy_store.load_version(dict(policy))
    except InputError:
        return []
    out: list[tuple[str, str]] = []
    for checklist in getattr(loaded.policy, "checklists", []) or []:
        for item in getattr(checklist, "items", []) or []:
            out.append((str(checklist.id), str(getattr(item, "id", item))))
    return out


def flatten_findings(checks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every finding of every check, one row each, with the tool that reported it."""
    out: list[dict[str, Any]] = []
    for check in checks:
        for f in check.get("findings") or []:
            sources = list(f.get("sources") or [])
            tool = sources[0].split(" (", 1)[0] if sources else "unknown"
            status = str(f.get("status") or "")
            out.append(
                {
                    "check": check.get("id"),
                    "part": f.get("part"),
                    "severity": f.get("severity") or "unknown",
                    "status": status,
                    "waived": status in WAIVED_STATUSES or f.get("waiver") is not None,
                    "tool": tool,
                    "rule": f.get("rule") or "",
                    "title": f.get("title") or "",
                    "location": f.get("location") or "",
                    "ids": list(f.get("ids") or []),
                    "waiver": f.get("waiver"),
                    "fingerprint": f.get("fingerprint") or "",
                }
            )
    return out


def filter_findings(rows: list[dict[str, Any]], chosen: FindingFilter) -> list[dict[str, Any]]:
    """``rows`` with only ``chosen.severity`` and ``chosen.tool`` (when set), sorted."""
    kept = [
        r
        for r in rows
        if (not chosen.severity or r["severity"] == chosen.severity)
        and (not chosen.tool or r["tool"] == chosen.tool)
    ]

    def rank(row: Mapping[str, Any]) -> int:
        sev = row["severity"]
        return SEVERITIES.index(sev) if sev in SEVERITIES else len(SEVERITIES)

    keys = {
        "severity": lambda r: (rank(r), r["tool"], r["rule"], r["location"]),
        "tool": lambda r: (r["tool"], rank(r), r["rule"], r["location"]),
        "rule": lambda r: (r["rule"], rank(r), r["location"]),
        "location": lambda r: (r["location"], rank(r), r["rule"]),
        "status": lambda r: (r["status"], rank(r), r["rule"]),
    }
    return sorted(kept, key=keys[chosen.sort])


# --- policies -----------------------------------------------------------------------------------


def policies(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    versions = policy_store.list_versions(uow, who)
    return list(reversed(versions))


def policy_explained(
    uow: UnitOfWork, who: Principal, digest: str
) -> tuple[dict[str, Any], Explanation]:
    row = policy_store.get_version(uow, who, digest)
    loaded = policy_store.load_version(row)
    return row, explain(loaded.policy, loaded.digest)


def policy_replayed(
    uow: UnitOfWork, who: Principal, digest: str, limit: int = 100
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A published version and what it would have decided on the latest stored decisions."""
    row = policy_store.get_version(uow, who, digest)
    answer = replay.replay(
        uow,
        who,
        source=row["source"],
        file=f"{row['name']}@{row['digest']}",
        request=replay.ReplayRequest(limit=limit),
    )
    return row, answer


@dataclass(frozen=True)
class PolicyDiff:
    old: dict[str, Any]
    new: dict[str, Any]
    lines: list[str]
    added: list[str]  # "kind:id" of rules only in the new version
    removed: list[str]
    changed: list[str]
    controls_added: list[str]
    controls_removed: list[str]


def policy_diff(uow: UnitOfWork, who: Principal, old: str, new: str) -> PolicyDiff:
    """The source diff of two versions and what changed in the rules they enforce."""
    a = policy_store.get_version(uow, who, old)
    b = policy_store.get_version(uow, who, new)
    lines = list(
        difflib.unified_diff(
            a["source"].splitlines(),
            b["source"].splitlines(),
            fromfile=a["digest"][:19],
            tofile=b["digest"][:19],
            lineterm="",
        )
    )
    ea = explain(policy_store.load_version(a).policy, a["digest"])
    eb = explain(policy_store.load_version(b).policy, b["digest"])
    ia = {f"{i.kind}:{i.id}": i.as_dict() for i in ea.items}
    ib = {f"{i.kind}:{i.id}": i.as_dict() for i in eb.items}
    ca = {c for i in ea.items for c in i.controls}
    cb = {c for i in eb.items for c in i.controls}
    return PolicyDiff(
        old=a,
        new=b,
        lines=lines,
        added=sorted(ib.keys() - ia.keys()),
        removed=sorted(ia.keys() - ib.keys()),
        changed=sorted(k for k in ia.keys() & ib.keys() if ia[k] != ib[k]),
        controls_added=sorted(cb - ca),
        controls_removed=sorted(ca - cb),
    )


# --- audit --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSearch:
    actor: str = ""
    action: str = ""
    correlation_id: str = ""
    since: str = ""  # ISO-8601 date or date-time; UTC when no offset
    until: str = ""
    before: int | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    next_before: int | None
    checkpoints: list[dict[str, Any]]
    tree_size: int


def audit_page(uow: UnitOfWork, who: Principal, search: AuditSearch) -> AuditPage:
    who.require("audit:read")
    since = _ledger_time("since", search.since)
    until = _ledger_time("until", search.until)
    with uow.reading():
        rows = ConsoleQueries(uow.connection).audit_page(
            who.tenant,
            actor=search.actor.strip() or None,
            action=search.action.strip() or None,
            correlation_id=search.correlation_id.strip() or None,
            since=since,
            until=until,
            before=search.before,
            limit=AUDIT_PAGE,
        )
        found = ledger.list_checkpoints(uow.connection, limit=20, newest_first=True)
        size = ledger.read_frontier(uow.connection).size
    entries = [_entry(r) for r in rows]
    following = entries[-1]["index"] if len(entries) == AUDIT_PAGE else None
    return AuditPage(entries, following, [_checkpoint(c) for c in found], size)


def _ledger_time(name: str, value: str) -> str | None:
    if not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{name}: {value!r} is not an ISO-8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return core_ledger.format_time(moment)


def _entry(row: Any) -> dict[str, Any]:
    return {
        "index": int(row.idx),
        "time": row.time,
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject,
        "correlation_id": row.correlation_id,
        "payload": row.payload,
    }


def _checkpoint(stored: ledger.StoredCheckpoint) -> dict[str, Any]:
    return {
        "id": stored.id,
        "size": stored.size,
        "root": core_ledger.b64(stored.root),
        "issued_at": stored.issued_at,
        "note": stored.note,
    }


@dataclass(frozen=True)
class EntryProof:
    entry: dict[str, Any]
    leaf_hash: str
    tree_size: int
    root: str
    proof: list[str]
    signed: bool  # True: against a signed checkpoint; False: against the current tree head
    checkpoint: str | None
    verified: str  # what checking the proof here showed


def entry_with_proof(uow: UnitOfWork, who: Principal, index: int) -> EntryProof:
    """Entry ``index`` of the caller's tenant with its inclusion proof: against the latest
    signed checkpoint when one covers it, else against the current (unsigned) tree head."""
    who.require("audit:read")
    with uow.reading():
        entry = ledger.get_entry(uow.connection, index, tenant=who.tenant)
        if entry is None:
            raise NotFound(f"audit entry: no entry {index} in tenant {who.tenant!r}")
        latest = ledger.latest_checkpoint(uow.connection)
        if latest is not None and latest.size > index:
            document = audit.prove_inclusion(uow.connection, index, tenant=who.tenant)
            size, root, signed = latest.size, latest.root, True
            proof = [core_ledger.unb64(h, "proof") for h in document["proof"]]  # type: ignore[attr-defined]
            note: str | None = latest.note
        else:
            frontier = ledger.read_frontier(uow.connection)
            size, root, signed, note = frontier.size, frontier.root(), False, None
            proof = ledger.subtree_hashes(uow.connection, inclusion_ranges(index, size))
    leaf = entry.leaf_hash()
    try:
        verify_inclusion(leaf, index, size, proof, root)
        verified = f"verified: entry {index} is in the tree of size {size}"
    except VerificationError as exc:
        verified = f"FAILED: {exc}"
    data = entry.as_dict()
    return EntryProof(
        entry=data,
        leaf_hash=core_ledger.b64(leaf),
        tree_size=size,
        root=core_ledger.b64(root),
        proof=[core_ledger.b64(h) for h in proof],
        signed=signed,
        checkpoint=note,
        verified=verified,
    )


@dataclass
class VerifyRun:
    """One whole-ledger verification started from the console."""

    started: dt.datetime
    by: str
    finished: dt.datetime | None = None
    result: dict[str, object] | None = None
    error: str | None = None

    def view(self) -> dict[str, object]:
        """What the console shows: running, or the report (with how long it took)."""
        if self.finished is None:
            return {"running": True, "started": self.started, "by": self.by}
        if self.error is not None:
            return {"running": False, "error": self.error}
        seconds = round((self.finished - self.started).total_seconds(), 3)
        return {**(self.result or {}), "running": False, "seconds": seconds}


class Verifications:
    """Whole-ledger verifications run in a background thread, one at a time per process.

    Recomputing a large ledger takes seconds; a request must not wait for it (a proxy would
    time out and a double click would start a second pass). ``start`` returns the run under
    way, or starts one; the page polls ``current`` until it is finished.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: VerifyRun | None = None

    def start(
        self, make_uow: Callable[[], UnitOfWork], who: Principal, clock: Callable[[], dt.datetime]
    ) -> VerifyRun:
        who.require("audit:read")
        with self._lock:
            if self.current is not None and self.current.finished is None:
                return self.current
            run = VerifyRun(started=clock(), by=who.actor)
            self.current = run
        threading.Thread(
            target=self._work, args=(run, make_uow, who, clock), name="golive-verify", daemon=True
        ).start()
        return run

    @staticmethod
    def _work(
        run: VerifyRun,
        make_uow: Callable[[], UnitOfWork],
        who: Principal,
        clock: Callable[[], dt.datetime],
    ) -> None:
        try:
            run.result = verify_now(make_uow(), who)
        except Exception as exc:  # shown on the page; the server goes on
            run.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        finally:
            run.finished = clock()


def verify_now(uow: UnitOfWork, who: Principal) -> dict[str, object]:
    """Recompute the whole ledger and check it (:func:`golive.services.audit.verify_database`).

    The report is about the whole log (sizes, hashes, the first bad index), never about
    another tenant's entries' contents.
    """
    who.require("audit:read")
    with uow.reading():
        report = audit.verify_database(uow.connection)
    result = report.as_dict()
    result["findings"] = [
        {"index": f.index, "message": f.message[:300]} for f in report.findings[:20]
    ]
    return result


def _may(who: Principal, permission: str) -> bool:
    from golive.services.access import roles_with

    return who.role in roles_with(permission)


def may(who: Principal, permission: str) -> bool:
    """Whether ``who``'s role holds ``permission`` (the console hides what it may not do)."""
    return _may(who, permission)


def form_nonce(who: Principal, decision_id: int, salt: str) -> str:
    """An idempotency key for one rendering of a form (a double submit stores once)."""
    return hashlib.sha256(f"{who.actor}|{decision_id}|{salt}".encode()).hexdigest()[:32]
