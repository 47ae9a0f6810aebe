"""The admin console's pages with 1,000 decisions and 100,000 audit entries.

    python bench/console.py [--decisions N] [--entries E] [--repeat R] [--db URL]

Builds (before timing) a control plane in a temporary SQLite file (or ``--db``, e.g. an
empty PostgreSQL database): the five reference tenants of ``golive demo seed``, then N
decisions (1,000) for one tenant, copies of its seeded decision stored through the
decision repository, and E audit entries (100,000) appended to the ledger in batches,
90% for that tenant. One signed checkpoint covers them.

Then signs in to the console in-process (FastAPI's TestClient: the server's own time,
no network) and requests every page R times (20), reporting the median and the worst.
Target (issue #7): every page under 300 ms. "Verify now" (a recomputation of the whole
ledger, an action rather than a page) is timed once and reported apart.
Record the figures in docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from golive.api.app import create_app
from golive.services import audit, demo
from golive.settings import Settings
from golive.storage import ledger
from golive.storage.engine import make_engine
from golive.storage.tables import decisions
from golive.storage.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parent.parent
TENANT = "pumuki-saas"
TARGET_MS = 300.0


def build(engine: Engine, n_decisions: int, n_entries: int, workdir: Path) -> str:
    """Seed the data; return an admin token of TENANT."""
    result = demo.seed(
        engine,
        policies=ROOT / "examples" / "policies",
        evidence=ROOT / "tests" / "fixtures" / "evidence",
    )
    with engine.connect() as c:
        template = dict(
            c.execute(select(decisions).where(decisions.c.tenant_id == _tenant_id(engine)).limit(1))
            .one()
            ._mapping
        )
    del template["id"]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with UnitOfWork(engine) as uow:
        for i in range(n_decisions):
            moment = start + dt.timedelta(minutes=i)
            uow.decisions.add(
                {
                    **template,
                    "version": f"1.{i // 100}.{i % 100}",
                    "environment": ("production", "staging")[i % 2],
                    "decided_at": moment,
                    "now": moment,
                    "correlation_id": f"bench-{i}",
                }
            )
    batch = 5000
    for low in range(0, n_entries, batch):
        entries = [
            ledger.NewEntry(
                time=start + dt.timedelta(seconds=i),
                tenant=TENANT if i % 10 else "intelgraph",
                actor=f"token:{i % 7}:bench",
                action=("records.ingested", "decision.recorded", "policy.published")[i % 3],
                subject=f"bench:{i}",
                correlation_id=f"bench-{i // 4}",
                payload={"i": i, "note": "bench"},
            )
            for i in range(low, min(low + batch, n_entries))
        ]
        with engine.begin() as connection:
            ledger.append_entries(connection, entries)
    signer = audit.generate_key("golive.bench/console", workdir / "ledger.key")
    with engine.begin() as connection:
        audit.issue_checkpoint(connection, [signer], now=dt.datetime.now(dt.UTC))
    return result.tokens[TENANT]


def _tenant_id(engine: Engine) -> int:
    with UnitOfWork(engine).reading() as uow:
        found = uow.tenants.by_name(TENANT)
    assert found is not None
    return found.id


def sign_in(client: TestClient, token: str) -> None:
    page = client.get("/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    answer = client.post(
        "/sign-in", data={"csrf": csrf.group(1), "token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def pages(engine: Engine, n_entries: int) -> dict[str, str]:
    tid = _tenant_id(engine)
    with engine.connect() as c:
        latest = c.execute(
            select(decisions.c.id, decisions.c.policy_digest)
            .where(decisions.c.tenant_id == tid)
            .order_by(decisions.c.id.desc())
            .limit(1)
        ).one()
        entry = c.execute(
            select(ledger.audit_entries.c.idx)
            .where(ledger.audit_entries.c.tenant == TENANT)
            .order_by(ledger.audit_entries.c.idx)
            .limit(1)
            .offset(n_entries // 2)
        ).scalar()
    digest = latest.policy_digest
    return {
        "overview": "/",
        "releases": "/releases",
        "releases (filtered)": "/releases?environment=production&verdict=blocked",
        "release": f"/releases/{latest.id}",
        "release findings (htmx)": f"/releases/{latest.id}?severity=high&tool=bandit",
        "policies": "/policies",
        "policy explain": f"/policies/{digest}",
        "policy diff": f"/policies/diff?old={digest}&new={digest}",
        "audit": "/audit",
        "audit by action": "/audit?action=policy.published",
        "audit by actor": "/audit?actor=token:3:bench",
        "audit by correlation id": "/audit?correlation_id=bench-20000",
        "audit by time range": "/audit?since=2026-01-01T10:00:00Z&until=2026-01-01T11:00:00Z",
        "audit entry + proof": f"/audit/entries/{entry}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'console.db'}"
        engine = make_engine(url)
        began = time.perf_counter()
        token = build(engine, args.decisions, args.entries, Path(tmp))
        print(
            f"seeded {args.decisions} decisions and {args.entries} audit entries "
            f"in {time.perf_counter() - began:.1f} s ({engine.dialect.name}, "
            f"Python {platform.python_version()}, {platform.machine()})"
        )
        app = create_app(Settings(database_url=url, session_secret="bench"), engine=engine)
        worst_overall = 0.0
        with TestClient(app) as client:
            sign_in(client, token)
            print(f"{'page':<28} {'median ms':>10} {'worst ms':>10}")
            for name, path in pages(engine, args.entries).items():
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    headers = {"HX-Request": "true"} if "htmx" in name else {}
                    answer = client.get(path, headers=headers)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                worst = max(times)
                worst_overall = max(worst_overall, worst)
                print(f"{name:<28} {statistics.median(times):>10.1f} {worst:>10.1f}")
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/audit").text)
            assert csrf
            t0 = time.perf_counter()
            verified = client.post("/audit/verify", data={"csrf": csrf.group(1)})
            took = time.perf_counter() - t0
            assert "verified" in verified.text
            print(f"verify now (whole ledger, an action): {took * 1000:.0f} ms")
        engine.dispose()
    ok = worst_overall < TARGET_MS
    verdict = "met" if ok else "MISSED"
    print(f"worst page: {worst_overall:.1f} ms; target < {TARGET_MS:.0f} ms: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
