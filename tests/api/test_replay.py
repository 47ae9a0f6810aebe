"""Replay: stored decisions decided again under another policy, on both databases."""

from __future__ import annotations

import json

import pytest
from api_support import key

from golive.cli.main import main
from golive.storage.unit_of_work import UnitOfWork

POLICY = """\
apiVersion: golive/v1
metadata:
  name: replayed
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
  - id: reviewed
    type: approvals
    environments: [production]
    params:
      rule: one
approvals:
  - id: one
    min_approvals: 1
checklists:
  - id: release
    items:
      - id: rollback-plan
        roles: [release-owner]
"""
#: The same policy with the checklist advisory: what blocked on it alone would pass.
ADVISORY = POLICY.replace(
    "      checklist: release\n", "      checklist: release\n    blocking: false\n"
)
COMMIT = "3f2a9c1e" * 5
NOW = "2026-11-24T12:00:00Z"


def _post(client, tenant, kind, records):
    r = client.post(
        f"/api/v1/{kind}",
        json={"repository": "org/app", "records": records},
        headers={**tenant.auth(), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text


def _evaluate(client, tenant, version="1.0.0", environment="production", **extra):
    body = {
        "environment": environment,
        "deployable": "api",
        "version": version,
        "commit": COMMIT,
        "now": NOW,
        **extra,
    }
    r = client.post(
        "/api/v1/decisions/evaluate",
        json=body,
        headers={**tenant.auth("developer"), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _replay(client, tenant, policy, **filters):
    r = client.post(
        "/api/v1/decisions/replay", json={"policy": policy, **filters}, headers=tenant.auth()
    )
    assert r.status_code == 200, r.text
    return r.json()


def _approval(who, version="1.0.0"):
    return {
        "approval": "one",
        "deployable": "api",
        "version": version,
        "approver": who,
        "commit": COMMIT,
        "time": "2026-11-24T08:00:00Z",
    }


def _signoff(version="1.0.0"):
    return {
        "checklist": "release",
        "item": "rollback-plan",
        "deployable": "api",
        "version": version,
        "signer": "olga",
        "role": "release-owner",
        "time": "2026-11-24T09:00:00Z",
    }


@pytest.fixture
def history(client, tenant, clock):
    """Decision 1 blocked (no sign-off yet), decision 2 passed once the sign-off came in."""
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    _post(client, tenant, "approvals", [_approval("ana")])
    first = _evaluate(client, tenant, author="ben")
    clock.advance(hours=1)
    _post(client, tenant, "signoffs", [_signoff()])
    clock.advance(hours=1)
    second = _evaluate(client, tenant, author="ben")
    assert first["verdict"] == "blocked"
    assert second["verdict"] == "pass"
    return first, second


def test_replaying_under_the_same_policy_reproduces_every_verdict_from_the_facts_seen_then(
    client, tenant, history
) -> None:
    answer = _replay(client, tenant, POLICY)
    assert answer["schema"] == "golive.replay/v1"
    assert (answer["replayed"], answer["changed"]) == (2, 0)
    # the first decision is replayed without the sign-off received after it was made
    assert all(r["checks"] == [] for r in answer["results"]), answer["results"]


def test_a_policy_change_shows_which_past_releases_it_would_have_let_through(
    client, tenant, history
) -> None:
    first, _ = history
    answer = _replay(client, tenant, ADVISORY)
    assert (answer["replayed"], answer["changed"]) == (2, 1)
    assert (answer["newly_blocked"], answer["newly_passing"]) == (0, 1)
    changed = [r for r in answer["results"] if r["changed"]]
    assert [r["decision_id"] for r in changed] == [first["id"]]
    result = changed[0]
    assert result["was"] == {
        "verdict": "blocked",
        "policy_digest": first["policy_digest"],
        "blocking": ["readiness"],
    }
    assert result["would_be"] == {"verdict": "pass", "blocking": []}
    assert result["checks"] == []  # the checklist still fails; it just no longer blocks


def test_the_author_asked_about_is_replayed_so_self_approval_still_does_not_count(
    client, tenant, clock
) -> None:
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    _post(client, tenant, "signoffs", [_signoff()])
    _post(client, tenant, "approvals", [_approval("ben")])
    decision = _evaluate(client, tenant, author="ben")
    reviewed = {c["id"]: c for c in decision["decision"]["checks"]}["reviewed"]
    assert reviewed["outcome"] == "fail"
    assert decision["request"]["author"] == "ben"
    answer = _replay(client, tenant, POLICY)
    assert answer["changed"] == 0
    assert answer["results"][0]["checks"] == []


def test_a_tightened_policy_lists_newly_blocked_releases_and_the_checks_that_change(
    client, tenant, history
) -> None:
    stricter = POLICY.replace("min_approvals: 1", "min_approvals: 2")
    answer = _replay(client, tenant, stricter)
    assert (answer["changed"], answer["newly_blocked"]) == (1, 1)
    (result,) = [r for r in answer["results"] if r["changed"]]
    assert result["was"]["verdict"] == "pass"
    assert result["would_be"] == {"verdict": "blocked", "blocking": ["reviewed"]}
    assert result["checks"] == [{"id": "reviewed", "was": "pass", "would_be": "fail"}]


def test_a_replay_stores_nothing_and_skips_published_decisions(
    client, tenant, history, engine
) -> None:
    published = {
        "decision": {
            **history[1]["decision"],
            "candidate": {**history[1]["decision"]["candidate"], "version": "2.0.0"},
        }
    }
    r = client.post(
        "/api/v1/decisions",
        json=published,
        headers={**tenant.auth("developer"), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text
    before = client.get("/api/v1/decisions", headers=tenant.auth()).json()["items"]
    answer = _replay(client, tenant, ADVISORY)
    after = client.get("/api/v1/decisions", headers=tenant.auth()).json()["items"]
    assert before == after
    assert answer["replayed"] == 2
    assert [s["decision_id"] for s in answer["skipped"]] == [r.json()["id"]]
    assert "published" in answer["skipped"][0]["reason"]


def test_filters_select_the_decisions_replayed(client, tenant, history) -> None:
    assert _replay(client, tenant, POLICY, environment="staging")["replayed"] == 0
    assert _replay(client, tenant, POLICY, deployable="api", limit=1)["replayed"] == 1
    assert _replay(client, tenant, POLICY, until="2026-11-24T10:30:00Z")["replayed"] == 1


def test_a_decision_stored_before_requests_were_kept_is_replayed_and_says_so(
    client, tenant, history, engine, clock
) -> None:
    with UnitOfWork(engine, clock=clock) as uow:
        row = uow.decisions.get(uow.tenants.by_name(tenant.name).id, history[0]["id"])
        values = {k: v for k, v in row.items() if k not in ("id", "request")}
        uow.decisions.add({**values, "version": "0.9.0"})
    answer = _replay(client, tenant, POLICY, limit=10)
    old = [r for r in answer["results"] if r["version"] == "0.9.0"]
    assert len(old) == 1
    assert "without the candidate's author" in old[0]["note"]


def test_an_invalid_policy_is_refused_with_its_line(client, tenant, history) -> None:
    r = client.post(
        "/api/v1/decisions/replay",
        json={"policy": POLICY.replace("min_approvals: 1", "min_approvals: many")},
        headers=tenant.auth(),
    )
    assert r.status_code == 422
    assert "min_approvals" in r.text
    assert "policy.yaml:" in r.text


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_golive_policy_replay_exits_1_when_a_verdict_would_change(
    client, tenant, history, database_url, monkeypatch, capsys, tmp_path
) -> None:
    monkeypatch.setenv("GOLIVE_DATABASE_URL", database_url)
    same, advisory = tmp_path / "same.yaml", tmp_path / "advisory.yaml"
    same.write_text(POLICY)
    advisory.write_text(ADVISORY)
    assert _run(["policy", "replay", str(same), "--tenant", tenant.name]) == 0
    assert "2 decision(s) replayed under replayed sha256:" in capsys.readouterr().out
    assert _run(["policy", "replay", str(advisory), "--tenant", tenant.name]) == 1
    out = capsys.readouterr().out
    assert "1 would change (0 newly blocked, 1 newly passing)" in out
    assert f"#{history[0]['id']} api 1.0.0 -> production" in out
    assert "blocked -> PASS" in out
    code = _run(["policy", "replay", str(advisory), "--tenant", tenant.name, "--format", "json"])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["changed"] == 1
    assert _run(["policy", "replay", str(same), "--tenant", "nobody-here"]) == 2
    assert _run(["policy", "replay", str(same), "--tenant", tenant.name, "--since", "May"]) == 2
    assert "--since 'May' is not an ISO 8601" in capsys.readouterr().err


def test_a_decision_in_an_environment_the_policy_no_longer_has_is_skipped_with_why(
    client, tenant, history
) -> None:
    renamed = POLICY.replace("  - id: production\n", "  - id: prod\n").replace(
        "environments: [production]", "environments: [prod]"
    )
    answer = _replay(client, tenant, renamed)
    assert answer["replayed"] == 0
    assert len(answer["skipped"]) == 2
    assert "the policy has no environment 'production'" in answer["skipped"][0]["reason"]
