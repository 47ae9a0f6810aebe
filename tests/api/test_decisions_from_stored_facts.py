"""Server decisions read every stored fact: sign-offs, approvals and deployment records."""

from __future__ import annotations

from api_support import key

POLICY = """\
apiVersion: golive/v1
metadata:
  name: stored-facts
roles:
  - id: release-owner
    members: [olga]
environments:
  - id: staging
  - id: production
deployables:
  - id: api
    artifact: image
gates:
  - id: readiness
    type: checklist
    environments: [production]
    params:
      checklist: release
  - id: staged
    type: promotion
    environments: [production]
    params:
      from: staging
      same_digest: true
  - id: reviewed
    type: approvals
    environments: [production]
    params:
      rule: two
approvals:
  - id: two
    min_approvals: 2
checklists:
  - id: release
    items:
      - id: rollback-plan
        roles: [release-owner]
        link: required
"""

COMMIT = "3f2a9c1e" * 5
DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
NOW = "2026-11-24T12:00:00Z"


def _post(client, tenant, kind, records):
    r = client.post(
        f"/api/v1/{kind}",
        json={"repository": "org/app", "records": records},
        headers={**tenant.auth(), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text


def _evaluate(client, tenant, **extra):
    body = {
        "environment": "production",
        "deployable": "api",
        "version": "1.0.0",
        "commit": COMMIT,
        "digests": [DIGEST],
        "now": NOW,
        **extra,
    }
    r = client.post(
        "/api/v1/decisions/evaluate",
        json=body,
        headers={**tenant.auth("developer"), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text
    return {c["id"]: c for c in r.json()["decision"]["checks"]}


def _signoff(**extra):
    return {
        "checklist": "release",
        "item": "rollback-plan",
        "deployable": "api",
        "version": "1.0.0",
        "signer": "olga",
        "role": "release-owner",
        "link": "https://runbooks.example/rollback",
        "time": "2026-11-24T09:00:00Z",
        **extra,
    }


def test_a_checklist_gate_passes_because_of_a_sign_off_ingested_through_the_api(client, tenant):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    before = _evaluate(client, tenant)["readiness"]
    assert before["outcome"] == "fail"
    _post(client, tenant, "signoffs", [_signoff()])
    after = _evaluate(client, tenant)["readiness"]
    assert after["outcome"] == "pass", after
    assert any("signed by olga (release-owner)" in f for f in after["facts"])


def test_a_stored_sign_off_that_does_not_count_says_why(client, tenant):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    _post(
        client,
        tenant,
        "signoffs",
        [
            _signoff(signer="mallory"),  # does not hold the role
            _signoff(role=None),  # no role given
            _signoff(candidate="0123456789abcdef"),  # another candidate's sign-off
            _signoff(version="0.9.0"),  # another version
        ],
    )
    readiness = _evaluate(client, tenant)["readiness"]
    assert readiness["outcome"] == "fail"
    reasons = " ".join(readiness["reasons"])
    assert "mallory does not hold role 'release-owner'" in reasons
    assert "role '' cannot sign this item" in reasons
    assert reasons.count("not counted") == 1


def test_a_promotion_gate_is_decided_from_ingested_deployment_records(client, tenant):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    assert _evaluate(client, tenant)["staged"]["outcome"] == "fail"

    def deployment(digest, status="succeeded", version="1.0.0"):
        return {
            "environment": "staging",
            "deployable": "api",
            "version": version,
            "digest": digest,
            "status": status,
            "time": "2026-11-23T10:00:00Z",
        }

    _post(client, tenant, "deployments", [deployment(OTHER), deployment(DIGEST, "failed")])
    staged = _evaluate(client, tenant)["staged"]
    assert staged["outcome"] == "fail"
    assert "never deployed to staging" in staged["summary"]
    # a build of the same digest under another version label still counts: the digest matters
    _post(client, tenant, "deployments", [deployment(DIGEST, version="1.0.0-rc1")])
    assert _evaluate(client, tenant)["staged"]["outcome"] == "pass"


def test_approvals_ingested_through_the_api_count_once_per_fresh_approver_not_the_author(
    client, tenant
):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())

    def approval(who, **extra):
        return {
            "approval": "two",
            "deployable": "api",
            "version": "1.0.0",
            "approver": who,
            "time": "2026-11-24T08:00:00Z",
            **extra,
        }

    _post(client, tenant, "approvals", [approval("ana"), approval("ana", commit=COMMIT[:12])])
    reviewed = _evaluate(client, tenant, author="ben")["reviewed"]
    assert reviewed["outcome"] == "fail"
    assert "1 of 2 required approvals" in reviewed["summary"]
    _post(client, tenant, "approvals", [approval("ben"), approval("carl", environment="staging")])
    reviewed = _evaluate(client, tenant, author="ben")["reviewed"]
    assert reviewed["outcome"] == "fail"  # ben is the author; carl approved staging only
    _post(client, tenant, "approvals", [approval("dora", environment="production")])
    reviewed = _evaluate(client, tenant, author="ben")["reviewed"]
    assert reviewed["outcome"] == "fail"  # require_fresh: an approval of no known commit
    assert any("dora: approved an unknown commit" in f for f in reviewed["facts"])
    _post(client, tenant, "approvals", [approval("dora", commit=COMMIT, time=NOW)])
    reviewed = _evaluate(client, tenant, author="ben")["reviewed"]
    assert reviewed["outcome"] == "pass", reviewed
    assert "counted approvals: ana, dora" in reviewed["facts"]


SOAK_POLICY = POLICY.replace(
    "      from: staging\n      same_digest: true\n",
    "      from: staging\n      same_digest: true\n      soak: 48h\n      suite: regression\n",
)


def _run(time, result="passed", suite="regression", digest=DIGEST, **extra):
    return {
        "suite": suite,
        "environment": "staging",
        "deployable": "api",
        "digest": digest,
        "result": result,
        "time": time,
        **extra,
    }


def test_a_48h_soak_is_decided_from_suite_runs_ingested_through_the_api(client, tenant):
    client.post("/api/v1/policies", json={"source": SOAK_POLICY}, headers=tenant.auth())
    deployed = {
        "environment": "staging",
        "deployable": "api",
        "version": "1.0.0",
        "digest": DIGEST,
        "status": "succeeded",
        "time": "2026-11-21T10:00:00Z",  # 74 h before NOW
    }
    _post(client, tenant, "deployments", [deployed])
    staged = _evaluate(client, tenant)["staged"]
    assert staged["outcome"] != "pass"  # no run covers the soak window yet

    _post(
        client,
        tenant,
        "suite-runs",
        [
            _run("2026-11-22T13:00:00Z"),
            _run("2026-11-23T12:00:00Z"),
            _run("2026-11-24T11:00:00Z", tests=420, failed=0),
            _run("2026-11-24T11:30:00Z", suite="smoke", result="failed"),  # another suite
            _run("2026-11-24T11:40:00Z", digest=OTHER, result="failed"),  # another artifact
        ],
    )
    staged = _evaluate(client, tenant)["staged"]
    assert staged["outcome"] == "pass", staged

    _post(
        client,
        tenant,
        "suite-runs",
        [_run("2026-11-24T08:00:00Z", result="failed", tests=420, failed=3, detail="3 flaky")],
    )
    staged = _evaluate(client, tenant)["staged"]
    assert staged["outcome"] == "fail"
    assert "3 failed of 420; 3 flaky" in " ".join(staged["reasons"] + [staged["summary"]])


def test_suite_runs_are_listed_and_filtered_and_bad_ones_refused(client, tenant):
    _post(client, tenant, "suite-runs", [_run("2026-11-24T11:00:00Z"), _run(NOW, suite="smoke")])
    listed = client.get(
        "/api/v1/suite-runs", params={"suite": "smoke"}, headers=tenant.auth("developer")
    ).json()["items"]
    assert [r["suite"] for r in listed] == ["smoke"]
    bad = client.post(
        "/api/v1/suite-runs",
        json={"repository": "org/app", "records": [_run("2026-11-24T11:00:00", result="ok")]},
        headers={**tenant.auth(), "Idempotency-Key": key()},
    )
    assert bad.status_code == 422
    details = {d["field"]: d["message"] for d in bad.json()["error"]["details"]}
    assert details["records[0].result"] == "Input should be 'passed' or 'failed'"
    assert "needs a UTC offset" in details["records[0].time"]
