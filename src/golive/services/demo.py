"""Seed a demo control plane: the five reference tenants, their policies and example data.

Used by ``make demo`` (``golive demo seed``). Each reference policy in
``examples/policies`` becomes a tenant named after the file, with the policy
published, a few deployment records, evidence files from the fixtures, an
approval, a sign-off and a decision made on the server from that evidence.
Seeding twice adds nothing twice (idempotency keys derived from the tenant).

Decisions made in CI from the example bundles (``examples/evidence/<policy>/<variant>``)
are published to their tenant with :func:`publish_decisions`, as ``golive gate --publish``
would, so the console shows releases that pass next to releases that are blocked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from golive.errors import GoliveError
from golive.services import database, decisions, ingest, policy_store, tenants
from golive.services.access import Principal
from golive.services.idempotency import request_hash
from golive.services.policies import read_policy_text
from golive.storage.unit_of_work import Clock, UnitOfWork, system_clock

REFERENCE = ("intelgraph", "intelgraph-sprint-lock", "narralytica", "pumuki-saas", "ai-film-studio")
EVIDENCE = ("semgrep.sarif", "junit-pytest.xml", "pip-audit-nothing-audited.json", "bandit.json")
ACTOR = "golive demo seed"


@dataclass
class Seeded:
    tenant: str
    policy_digest: str
    records: int = 0
    decisions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class SeedResult:
    tenants: list[Seeded]
    token: str
    token_tenant: str
    #: an admin token per reference tenant (tenant -> secret), to sign in to the console
    tokens: dict[str, str] = field(default_factory=dict)


def seed(
    engine: Engine,
    *,
    policies: Path,
    evidence: Path,
    clock: Clock = system_clock,
    token_tenant: str = "pumuki-saas",
) -> SeedResult:
    """Create the schema, the five tenants and their data; return a demo admin token."""
    database.upgrade(engine)
    out: list[Seeded] = []
    for name in REFERENCE:
        path = policies / f"{name}.yaml"
        tenant = tenants.ensure_tenant(UnitOfWork(engine, clock=clock), name, actor=ACTOR)
        who = Principal(tenant.id, tenant.name, "admin", ACTOR, "demo")
        published = policy_store.publish(
            UnitOfWork(engine, clock=clock),
            who,
            source=read_policy_text(path),
            file=path.name,
        )
        loaded = policy_store.load_version(
            {"source": read_policy_text(path), "name": name, "digest": published.digest}
        )
        seeded = Seeded(name, published.digest)
        policy = loaded.policy
        deployable = policy.deployables[0].id if policy.deployables else "app"
        environments = [e.id for e in policy.environments]
        now = clock().replace(microsecond=0)
        version = "1.4.2"
        records: dict[str, list[dict[str, Any]]] = {
            "deployments": [
                {
                    "environment": env,
                    "deployable": deployable,
                    "version": v,
                    "digest": None,
                    "status": "succeeded",
                    "time": now - dt.timedelta(days=3 - i),
                }
                for i, (env, v) in enumerate(
                    [
                        (environments[0], "1.4.1"),
                        (environments[-1], "1.4.1"),
                        (environments[0], version),
                    ]
                )
            ],
            "approvals": [
                {
                    "approval": "release",
                    "environment": environments[-1],
                    "deployable": deployable,
                    "version": version,
                    "approver": "release.manager@example.com",
                    "role": None,
                    "time": now - dt.timedelta(hours=2),
                }
            ],
            "signoffs": [
                {
                    "checklist": "release",
                    "item": "runbook reviewed",
                    "deployable": deployable,
                    "version": version,
                    "signer": "sre.oncall@example.com",
                    "time": now - dt.timedelta(hours=1),
                }
            ],
            "evidence": [
                {
                    "name": f"reports/{f}",
                    "content": (evidence / f).read_bytes(),
                    "deployable": deployable,
                    "version": version,
                }
                for f in EVIDENCE
                if (evidence / f).is_file()
            ],
        }
        for kind, rows in records.items():
            answer = ingest.ingest(
                UnitOfWork(engine, clock=clock),
                who,
                kind=kind,
                repository=f"example/{name}",
                records=rows,
                key=f"demo-{name}-{kind}",
                digest=request_hash(f"demo-{name}-{kind}"),
            )
            seeded.records += answer.records
        env = next((e for e in environments if e in ("production", "prod")), environments[-1])
        try:
            request = decisions.EvaluateRequest(
                environment=env, deployable=deployable, version=version
            )
            answer = decisions.evaluate(
                UnitOfWork(engine, clock=clock),
                who,
                request,
                key=f"demo-{name}-decision",
                digest=request_hash(f"demo-{name}-decision"),
            )
            seeded.decisions.append(f"{deployable} {version} -> {env}")
        except GoliveError as exc:
            seeded.notes.append(f"no decision for {deployable} -> {env}: {exc}")
        out.append(seeded)
    issued = tenants.create_token(
        UnitOfWork(engine, clock=clock),
        tenant=token_tenant,
        role="admin",
        name="demo",
        expires_in=dt.timedelta(days=30),
        actor=ACTOR,
    )
    per_tenant = {
        t.tenant: (
            issued.secret
            if t.tenant == token_tenant
            else tenants.create_token(
                UnitOfWork(engine, clock=clock),
                tenant=t.tenant,
                role="admin",
                name="demo",
                expires_in=dt.timedelta(days=30),
                actor=ACTOR,
            ).secret
        )
        for t in out
    }
    return SeedResult(out, issued.secret, token_tenant, per_tenant)


def publish_decisions(
    engine: Engine,
    tenant: str,
    documents: list[tuple[str, dict[str, Any]]],
    *,
    clock: Clock = system_clock,
) -> list[str]:
    """Publish decision documents (name, ``golive.decision/v1``) made locally to ``tenant``.

    Returns a line per decision stored ("<name> -> <verdict>"); seeding again stores nothing
    twice (the idempotency key is derived from the tenant and the name).
    """
    row = tenants.ensure_tenant(UnitOfWork(engine, clock=clock), tenant, actor=ACTOR)
    who = Principal(row.id, row.name, "admin", ACTOR, "demo")
    out: list[str] = []
    for name, document in documents:
        key = f"demo-{tenant}-published-{name}"
        decisions.record_published(
            UnitOfWork(engine, clock=clock), who, document, key=key, digest=request_hash(key)
        )
        out.append(f"{name} -> {document['verdict']}")
    return out
