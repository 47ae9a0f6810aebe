"""`golive policy explain|schema`, `golive init`, the digest, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive import __version__
from golive.cli.init_cmd import TEMPLATES
from golive.cli.main import cli
from golive.core.policy.loader import load_policy_text
from golive.tools import gendocs

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "src" / "golive" / "templates" / "minimal.yaml"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_comments_key_order_and_equivalent_spellings_do_not_change_the_digest() -> None:
    text = MINIMAL.read_text()
    base = load_policy_text(text, "a.yaml").digest
    reordered = text.replace(
        '  - id: staging\n    branches: ["release/*"]',
        ('  - branches: ["release/*"]\n    id: staging'),
    )
    no_comments = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert reordered != text
    assert load_policy_text(reordered, "b.yaml").digest == base
    assert load_policy_text(no_comments, "c.yaml").digest == base
    with_age = text.replace("      flaky: fail\n", "      flaky: fail\n    max_age: 48h\n")
    same_age = text.replace("      flaky: fail\n", "      flaky: fail\n    max_age: 2d\n")
    assert load_policy_text(with_age, "d").digest == load_policy_text(same_age, "e").digest


def test_writing_out_a_default_does_not_change_the_digest() -> None:
    text = MINIMAL.read_text()
    explicit = text.replace("      flaky: fail\n", "      flaky: fail\n    blocking: true\n")
    assert explicit != text
    assert load_policy_text(explicit, "x").digest == load_policy_text(text, "x").digest


def test_the_reference_policies_keep_their_pinned_digests() -> None:
    """A digest pinned with --policy-digest must survive a golive upgrade that only adds
    optional fields; these values change only when a policy file or the canonical form does."""
    pinned = json.loads((ROOT / "tests" / "data" / "policy_digests.json").read_text())
    for name, digest in pinned["digests"].items():
        path = ROOT / "examples" / "policies" / name
        assert load_policy_text(path.read_text(), name).digest == digest, name


def test_a_change_in_meaning_changes_the_digest() -> None:
    text = MINIMAL.read_text()
    changed = text.replace("min_tests: 1", "min_tests: 2")
    assert load_policy_text(changed, "x").digest != load_policy_text(text, "x").digest


def test_explain_json_lists_every_control_with_the_rules_that_carry_it() -> None:
    code, out, _ = _run("policy", "explain", str(MINIMAL), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "golive.explain/v1"
    assert data["policy"]["digest"].startswith("sha256:")
    enforced = {c["id"]: c["enforced_by"] for c in data["controls"]}
    assert enforced == {
        "DOP-ENV-1": ["environment:production", "gate:branch"],
        "DOP-SEC-1": ["gate:security"],
        "DOP-TEST-1": ["gate:tests"],
    }


def test_explain_for_one_environment_leaves_out_rules_for_others() -> None:
    _, out, _ = _run("policy", "explain", str(MINIMAL), "--env", "staging", "--format", "json")
    ids = [item["id"] for stage in json.loads(out)["stages"] for item in stage["items"]]
    assert {"staging", "tests"} <= set(ids)
    assert not {"production", "security"} & set(ids)


def test_explain_output_is_byte_identical_between_runs() -> None:
    for fmt in ("text", "json", "markdown"):
        first = _run("policy", "explain", str(MINIMAL), "--format", fmt)
        second = _run("policy", "explain", str(MINIMAL), "--format", fmt)
        assert first == second


def test_explain_for_an_unknown_environment_is_bad_input() -> None:
    code, _, err = _run("policy", "explain", str(MINIMAL), "--env", "prod")
    assert code == 2
    assert "no environment 'prod'" in err


def test_explain_markdown_has_a_control_table() -> None:
    _, out, _ = _run("policy", "explain", str(MINIMAL), "--format", "markdown")
    assert "| `DOP-SEC-1` | No high or critical vulnerabilities" in out


def test_the_committed_schema_and_reference_are_current() -> None:
    stale = [
        path.name
        for path, text in gendocs.outputs().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run 'make docs': {stale} out of date"


def test_policy_schema_prints_the_json_schema() -> None:
    code, out, _ = _run("policy", "schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["properties"]["apiVersion"]["const"] == "golive/v1"
    assert "gates" in schema["properties"]


def test_the_reference_describes_every_field() -> None:
    schema = json.loads(_run("policy", "schema")[1])
    sections = [("Policy", schema), *schema["$defs"].items()]
    missing = [
        f"{name}.{field}"
        for name, definition in sections
        for field, prop in definition.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert not missing, f"fields without a description: {missing}"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_init_writes_a_template_that_validates(name: str, tmp_path: Path) -> None:
    target = tmp_path / "golive.yaml"
    code, out, _ = _run("init", "--template", name, "-o", str(target))
    assert code == 0, out
    assert target.read_text() == (MINIMAL.parent / TEMPLATES[name]).read_text()
    assert _run("policy", "validate", "--strict", str(target))[0] == 0


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "golive.yaml"
    target.write_text("mine")
    code, _, err = _run("init", "-o", str(target))
    assert code == 2
    assert "pass --force" in err
    assert target.read_text() == "mine"


def test_version_prints_the_package_version() -> None:
    assert _run("--version")[1].strip() == __version__


def test_unknown_command_and_bad_option_are_usage_errors() -> None:
    assert _run("nope")[0] == 2
    assert _run("policy", "validate", "--format", "xml", str(MINIMAL))[0] == 2
