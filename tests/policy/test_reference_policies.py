"""The five reference policies: each carries out every rule of its written definition.

The control list of the five Definition-of-Production documents is test data
(``tests/data/reference_controls.json``, copied from ``definitions/CONTROLS.md``).
Each reference policy must hold exactly its document's controls, cite every one
from a rule, and carry each one the way the list says ("how": gate, attest, slo ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from golive.cli.main import cli
from golive.core.policy import model as m
from golive.core.policy.checks import walk_values
from golive.services.policies import load_policy_file

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "golive" / "templates"
DATA = ROOT / "tests" / "data" / "reference_controls.json"

#: template name -> the seed document it expresses
POLICIES = {
    "intelgraph": "000",
    "intelgraph-sprint-lock": "001",
    "narralytica": "002",
    "pumuki-saas": "003",
    "ai-film-studio": "004",
}
PREFIX = {"000": "IG", "001": "SL", "002": "NA", "003": "PU", "004": "FS"}

#: For each "how", the top-level sections whose rules carry a control that way.
#: attest is special: only a checklist *item* (a sign-off by a role) counts.
#: access includes `ingestion`: it decides which tenant and repository a request may touch.
KIND_SECTIONS: dict[str, tuple[str, ...]] = {
    "gate": ("gates",),
    "attest": ("checklists",),
    "rollout": ("rollouts", "windows"),
    "slo": ("slos",),
    "alert": ("alerts",),
    "incident": ("incidents",),
    "audit": ("audit", "retention"),
    "access": ("access", "ingestion"),
    "flag": ("flags",),
    "backup": ("backups",),
    "env": ("environments",),
    "report": ("reviews",),
    "record": ("metadata", "environments", "deployables"),
}

#: (control, how) pairs the policy language cannot carry yet, with the reason. The test
#: fails when one of these becomes expressible, so the list cannot go stale.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("FS-POST-1", "report"): "release notes are produced per release; `reviews` are periodic "
    "only (`every` is required), so the release notes are a post-deploy checklist item",
}


def _data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _seed_controls(seed: str) -> list[dict[str, Any]]:
    return [c for c in _data()["controls"] if c["seed"] == seed]


def _path(name: str) -> Path:
    return TEMPLATES / f"{name}.yaml"


def _policy(name: str) -> m.Policy:
    return load_policy_file(_path(name)).policy


def _citations(policy: m.Policy) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every control id cited by a rule, with the path of the `controls` list holding it."""
    for path, value in walk_values(policy):
        if len(path) >= 2 and path[-2] == "controls" and path[0] != "controls":
            yield path[:-2], value


def _is_kind(where: tuple[Any, ...], kind: str) -> bool:
    if where[0] not in KIND_SECTIONS[kind]:
        return False
    if kind == "attest":
        return len(where) >= 4 and where[2] == "items"
    return True


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_control_data_names_its_source_and_covers_the_five_seeds() -> None:
    data = _data()
    assert "definitions/CONTROLS.md" in data["source"]
    ids = [c["id"] for c in data["controls"]]
    assert len(ids) == len(set(ids)) == 80
    assert {c["seed"] for c in data["controls"]} == set(PREFIX)
    for control in data["controls"]:
        assert control["id"].startswith(PREFIX[control["seed"]] + "-")
        assert control["rule"]
        assert control["product"]
        assert set(control["how"]) <= set(KIND_SECTIONS)


def test_every_reference_template_is_shipped_and_served_by_init() -> None:
    from golive.cli.init_cmd import TEMPLATES as SERVED

    for name in POLICIES:
        assert SERVED[name] == f"{name}.yaml"
        assert _path(name).is_file()
        assert (ROOT / "examples" / "policies" / f"{name}.yaml").read_bytes() == _path(
            name
        ).read_bytes()


@pytest.mark.parametrize("name", POLICIES)
def test_each_reference_policy_validates_with_no_errors_and_no_warnings(name: str) -> None:
    loaded = load_policy_file(_path(name))
    assert loaded.warnings == ()
    code, out, err = _run("policy", "validate", "--strict", str(_path(name)))
    assert (code, err) == (0, "")
    assert f"valid ({loaded.digest})" in out


@pytest.mark.parametrize("name", POLICIES)
def test_each_policy_catalog_holds_exactly_the_controls_of_its_seed(name: str) -> None:
    expected = {c["id"]: c for c in _seed_controls(POLICIES[name])}
    catalog = {c.id: c for c in _policy(name).controls}
    assert sorted(catalog) == sorted(expected)
    for cid, control in catalog.items():
        assert control.how == expected[cid]["how"], cid
        assert control.title, cid
        assert control.source, cid


@pytest.mark.parametrize("name", POLICIES)
def test_every_control_of_the_seed_is_cited_by_at_least_one_rule(name: str) -> None:
    cited = {cid for _, cid in _citations(_policy(name))}
    missing = sorted({c["id"] for c in _seed_controls(POLICIES[name])} - cited)
    assert missing == []


@pytest.mark.parametrize("name", POLICIES)
def test_every_controls_how_is_matched_by_a_rule_of_that_kind(name: str) -> None:
    citations = list(_citations(_policy(name)))
    unmatched = set()
    for control in _seed_controls(POLICIES[name]):
        for kind in control["how"]:
            if not any(cid == control["id"] and _is_kind(w, kind) for w, cid in citations):
                unmatched.add((control["id"], kind))
    gaps = {gap for gap in KNOWN_GAPS if gap[0].startswith(PREFIX[POLICIES[name]] + "-")}
    assert unmatched == gaps


@pytest.mark.parametrize("name", POLICIES)
def test_explain_json_lists_every_control_with_the_rules_that_enforce_it(name: str) -> None:
    code, out, _ = _run("policy", "explain", str(_path(name)), "--format", "json")
    assert code == 0
    data = json.loads(out)
    listed = {c["id"]: c for c in data["controls"]}
    assert sorted(listed) == sorted(c["id"] for c in _seed_controls(POLICIES[name]))
    assert [cid for cid, c in listed.items() if not c["enforced_by"]] == []


@pytest.mark.parametrize("name", POLICIES)
def test_explain_output_is_deterministic_and_carries_the_policy_digest(name: str) -> None:
    digest = load_policy_file(_path(name)).digest
    assert digest.startswith("sha256:")
    for fmt in ("json", "text", "markdown"):
        first = _run("policy", "explain", str(_path(name)), "--format", fmt)
        second = _run("policy", "explain", str(_path(name)), "--format", fmt)
        assert first[0] == 0
        assert first == second
        assert digest in first[1]
    data = json.loads(_run("policy", "explain", str(_path(name)), "--format", "json")[1])
    assert data["policy"]["digest"] == digest


@pytest.mark.parametrize("name", POLICIES)
def test_explain_works_for_each_environment_of_the_policy(name: str) -> None:
    for env in _policy(name).environments:
        code, out, _ = _run("policy", "explain", str(_path(name)), "--env", env.id)
        assert code == 0
        assert f"environment {env.id}" in out


@pytest.mark.parametrize("name", POLICIES)
def test_init_writes_a_file_identical_to_the_template_and_it_validates(
    name: str, tmp_path: Path
) -> None:
    target = tmp_path / "golive.yaml"
    code, _, _ = _run("init", "--template", name, "-o", str(target))
    assert code == 0
    assert target.read_bytes() == _path(name).read_bytes()
    loaded = load_policy_file(target)
    assert loaded.warnings == ()
    assert loaded.digest == load_policy_file(_path(name)).digest
