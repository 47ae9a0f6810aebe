"""The malformed-policy corpus: every case names the line, the field and what is wrong.

Each case is a whole policy file; the expected diagnostic is pinned by line,
field path and a fragment of the message (and of the hint where golive gives one).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.cli.main import cli
from golive.core.policy.loader import load_policy_text
from golive.errors import PolicyError
from golive.services.policies import load_policy_file

HEAD = """\
apiVersion: golive/v1
metadata:
  name: demo
"""
ENVS = """\
environments:
  - id: production
    branches: [main]
  - id: staging
    branches: ["release/*"]
"""


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    line: int
    message: str
    path: str = ""
    hint: str = ""


def _doc(body: str, envs: bool = True) -> str:
    return HEAD + (ENVS if envs else "") + textwrap.dedent(body)


CASES = [
    Case("empty file", "", 1, "the file is empty"),
    Case("only a comment", "# nothing here\n", 1, "the file is empty"),
    Case("a list instead of a mapping", "- a\n- b\n", 1, "is a list"),
    Case(
        "broken YAML: unclosed bracket",
        HEAD + "environments: [\n",
        5,
        "invalid YAML: expected the node content, but found '<stream end>'",
    ),
    Case(
        "broken YAML: an unclosed quote names the mapping it broke",
        HEAD + '  title: "IntelGraph\n' + ENVS,
        9,
        "(while parsing a block mapping that starts at line 3)",
    ),
    Case(
        "broken YAML: bad indentation",
        HEAD + "environments:\n  - id: a\n   branches: [main]\n",
        6,
        "invalid YAML",
    ),
    Case(
        "a tab used for indentation",
        HEAD + "environments:\n\t- id: production\n",
        5,
        "a tab character is used for indentation",
        hint="spaces",
    ),
    Case(
        "duplicate key",
        "apiVersion: golive/v1\nmetadata:\n  name: a\n  name: b\n" + ENVS,
        4,
        "duplicate key 'name' (first defined at line 3)",
    ),
    Case("two YAML documents", HEAD + ENVS + "---\nfoo: 1\n", 10, "2 YAML documents"),
    Case("missing apiVersion", "metadata:\n  name: a\n", 1, "missing 'apiVersion'"),
    Case(
        "wrong apiVersion",
        "apiVersion: golive/v2\nmetadata: {name: a}\n" + ENVS,
        1,
        "apiVersion 'golive/v2' is not one this golive reads",
        "apiVersion",
    ),
    Case(
        "unknown top-level section with a suggestion",
        _doc("gatez: []\n"),
        9,
        "unknown field 'gatez'",
        "gatez",
        "did you mean 'gates'?",
    ),
    Case(
        "unknown parameter with a suggestion",
        _doc(
            """\
            gates:
              - id: sec
                type: security
                params:
                  sast: {max_severty: medium}
            """
        ),
        13,
        "unknown field 'max_severty'",
        "gates[0].params.sast.max_severty",
        "did you mean 'max_severity'?",
    ),
    Case(
        "unknown gate type with a suggestion",
        _doc("gates:\n  - id: t\n    type: test_pass\n"),
        11,
        "unknown type 'test_pass'",
        "gates[0].type",
        "did you mean 'tests_pass'?",
    ),
    Case(
        "gate without a type",
        _doc("gates:\n  - id: t\n"),
        10,
        "missing required field 'type'",
        "gates[0].type",
    ),
    Case(
        "missing required field",
        HEAD.replace("  name: demo\n", "  title: x\n") + ENVS,
        2,
        "missing required field 'name'",
        "metadata.name",
    ),
    Case(
        "wrong type: text where a number belongs",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    params: {min_tests: many}\n"),
        12,
        "expected a whole number, got text ('many')",
        "gates[0].params.min_tests",
    ),
    Case(
        "wrong type: yes is text under YAML 1.2",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    blocking: yes\n"),
        12,
        "expected true or false, got text ('yes')",
        "gates[0].blocking",
        "YAML 1.2",
    ),
    Case(
        "wrong type: a mapping where a list belongs",
        _doc("deployables:\n  - id: api\n    artifact: image\n    environments: {a: b}\n"),
        12,
        "expected a list, got a mapping",
        "deployables[0].environments",
    ),
    Case(
        "a value outside the allowed set",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    params: {flaky: ignore}\n"),
        12,
        "is not allowed here; expected one of: fail, pass, warn",
        "gates[0].params.flaky",
    ),
    Case(
        "bad duration: words",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    max_age: 15 minutes\n"),
        12,
        "'15 minutes' is not a duration; write '15m'",
        "gates[0].max_age",
    ),
    Case(
        "bad duration: no unit",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    max_age: 15\n"),
        12,
        "'15' has no unit",
        "gates[0].max_age",
    ),
    Case(
        "bad duration: ambiguous M",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    max_age: 3M\n"),
        12,
        "'3M' is ambiguous",
        "gates[0].max_age",
    ),
    Case(
        "bad branch glob",
        HEAD + "environments:\n  - id: production\n    branches: ['release/[0-9']\n",
        6,
        "unbalanced '[' or ']'",
        "environments[0].branches[0]",
    ),
    Case(
        "bad time zone",
        _doc("calendars:\n  - id: office\n    timezone: Mars/Olympus\n"),
        11,
        "'Mars/Olympus' is not an IANA time zone",
        "calendars[0].timezone",
    ),
    Case(
        "bad time of day",
        _doc("calendars:\n  - id: o\n    timezone: UTC\n    hours: {start: '9am', end: '17:00'}\n"),
        12,
        "'9am' is not a time of day",
        "calendars[0].hours.start",
    ),
    Case(
        "freeze without an offset",
        _doc(
            """\
            freezes:
              - id: lock
                start: 2026-01-05T00:00:00
                end: 2026-01-09T00:00:00+00:00
            """
        ),
        11,
        "has no UTC offset",
        "freezes[0].start",
    ),
    Case(
        "dangling environment reference",
        _doc("gates:\n  - id: t\n    type: tests_pass\n    environments: [prod]\n"),
        12,
        "unknown environment 'prod'",
        "gates[0].environments[0]",
        "did you mean 'production'?",
    ),
    Case(
        "dangling role reference",
        _doc(
            """\
            checklists:
              - id: pre
                items:
                  - id: rollback
                    roles: [release-manager]
            """
        ),
        13,
        "unknown role 'release-manager'",
        "checklists[0].items[0].roles[0]",
        "add one under 'roles'",
    ),
    Case(
        "dangling calendar reference",
        _doc("windows:\n  - {id: w, calendar: ops, days: [tue], start: '02:00', end: '05:00'}\n"),
        10,
        "unknown calendar 'ops'",
        "windows[0].calendar",
    ),
    Case(
        "dangling severity reference",
        _doc(
            """\
            roles: [{id: vp}]
            incidents:
              severities: [{id: SEV-1}]
            gates:
              - {id: sec, type: security, params: {sast: {}}}
            overrides:
              - id: o
                gates: [sec]
                incident_severities: [SEV1]
                approver_roles: [vp]
                max_validity: 24h
            """
        ),
        17,
        "unknown severity 'SEV1'",
        "overrides[0].incident_severities[0]",
        "did you mean 'SEV-1'?",
    ),
    Case(
        "dangling deployable reference",
        _doc(
            "backups:\n  - {id: db, deployables: [postgres], rpo: 15m, rto: 4h, "
            "schedule: [{kind: full, every: 1d}], point_in_time: true}\n"
        ),
        10,
        "unknown deployable 'postgres'",
        "backups[0].deployables[0]",
        "the policy defines no deployables",
    ),
    Case(
        "duplicate ids",
        HEAD + "environments:\n  - id: production\n  - id: production\n",
        6,
        "duplicate id 'production' (first used at environments[0])",
        "environments[1].id",
    ),
    Case(
        "unknown control id",
        _doc(
            """\
            controls:
              - {id: DOP-1, title: Tests pass}
            gates:
              - {id: t, type: tests_pass, controls: [DOP-1, DOP-2]}
            """
        ),
        12,
        "unknown control id 'DOP-2'",
        "gates[0].controls[1]",
    ),
    Case(
        "malformed control id",
        _doc("gates:\n  - {id: t, type: tests_pass, controls: [ig-sec-1]}\n"),
        10,
        "'ig-sec-1' is not a control id",
        "gates[0].controls[0]",
    ),
    Case(
        "freeze that ends before it starts",
        _doc(
            """\
            freezes:
              - id: lock
                start: 2026-01-05T00:00:00Z
                end: 2026-01-01T00:00:00Z
            """
        ),
        12,
        "the freeze ends (2026-01-01T00:00:00+00:00) before it starts",
        "freezes[0].end",
    ),
    Case(
        "empty deployment window",
        _doc("windows:\n  - {id: w, timezone: UTC, days: [tue], start: '02:00', end: '02:00'}\n"),
        10,
        "it is empty",
        "windows[0].end",
    ),
    Case(
        "SLO of 100% with burn-rate alerts",
        _doc(
            """\
            slos:
              - id: avail
                sli: {kind: ratio, good: ok, total: all}
                objective: 100
                window: 30d
                alerting: {workbook: true}
            """
        ),
        12,
        "an objective of 100% leaves no error budget",
        "slos[0].objective",
    ),
    Case(
        "burn-rate tier that can never fire",
        _doc(
            """\
            slos:
              - id: avail
                sli: {kind: ratio, good: ok, total: all}
                objective: 90
                window: 30d
                alerting:
                  burn_rates:
                    - {name: fast, long: 1h, short: 5m, factor: 14.4, severity: critical}
            """
        ),
        16,
        "tier 'fast' can never fire: factor 14.4 x budget 0.1 = 1.44",
        "slos[0].alerting.burn_rates[0].factor",
    ),
    Case(
        "objective over 100",
        _doc(
            "slos:\n  - {id: a, sli: {kind: ratio, good: g, total: t}, "
            "objective: 101, window: 30d}\n"
        ),
        10,
        "less than or equal to 100",
        "slos[0].objective",
    ),
    Case(
        "business days without a calendar",
        _doc(
            """\
            incidents:
              severities:
                - id: SEV-1
                  clocks: {rca: 5bd}
            """
        ),
        12,
        "'5bd' counts business days, but no calendar says which days",
        "incidents.severities[0].clocks.rca",
    ),
    Case(
        "canary traffic going down",
        _doc(
            """\
            rollouts:
              - id: r
                environments: [production]
                strategy: canary
                steps: [{weight: 0}, {weight: 50}, {weight: 25}, {weight: 100}]
            """
        ),
        13,
        "traffic goes down from 50% to 25%",
        "rollouts[0].steps[2].weight",
    ),
    Case(
        "backup schedule that cannot meet the RPO",
        _doc("backups:\n  - {id: db, rpo: 15m, rto: 4h, schedule: [{kind: full, every: 1d}]}\n"),
        10,
        "the RPO of 15 minutes cannot be met",
        "backups[0].rpo",
    ),
    Case(
        "promotion chain that loops",
        HEAD + "environments:\n  - {id: a, promotes_from: b}\n  - {id: b, promotes_from: a}\n",
        5,
        "the promotion chain from 'a' loops back to 'a'",
        "environments[0].promotes_from",
    ),
    Case(
        "severity alias that names two severities",
        _doc("incidents:\n  severities:\n    - {id: SEV-1, aliases: [P0]}\n    - {id: P0}\n"),
        12,
        "'P0' names both severity 'SEV-1' and 'P0'",
        "incidents.severities[1].id",
    ),
    Case(
        "YAML bomb through aliases",
        HEAD
        + 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
            for i in range(7)
        ),
        8,
        "refused (this is how a YAML bomb works)",
    ),
    Case(
        "lists nested thousands of levels deep",
        HEAD + "a: " + "[" * 5000 + "]" * 5000 + "\n",
        1,
        "nests lists and mappings too deeply to read",
    ),
    Case(
        "signed commits without pinned keys",
        _doc("gates:\n  - {id: sig, type: signed_commits, params: {}}\n"),
        10,
        "give 'allowed_signers' (SSH), 'gpg_keyring' (GPG) or 'x509_roots' (x509)",
        "gates[0].params",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_policy_is_reported_at_its_line_with_a_clear_message(case: Case) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(case.text, "policy.yaml")
    diagnostics = caught.value.diagnostics
    matching = [d for d in diagnostics if case.message in d.message]
    rendered = "\n".join(d.render() for d in diagnostics)
    assert matching, f"expected {case.message!r} in:\n{rendered}"
    diag = matching[0]
    assert diag.line == case.line, rendered
    assert diag.file == "policy.yaml"
    if case.path:
        assert diag.path == case.path, rendered
    if case.hint:
        assert case.hint in diag.hint, rendered


def test_the_corpus_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_every_problem_in_a_file_is_reported_at_once_sorted_by_line() -> None:
    text = _doc(
        """\
        gates:
          - {id: a, type: tests_pass, environments: [prod]}
          - {id: b, type: tests_pass, deployables: [api]}
        """
    )
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "p.yaml")
    lines = [d.line for d in caught.value.diagnostics]
    assert len(lines) == 2
    assert lines == sorted(lines)


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as handle:
        handle.write(HEAD + ENVS)
        handle.write("# " + "x" * 1000 + "\n" * 1)
        handle.truncate(20 * 1024 * 1024)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(big)
    message = caught.value.diagnostics[0].message
    assert "20,971,520 bytes" in message
    assert "up to 2,097,152 bytes" in message


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + "  title: caf\xe9\n").encode("latin-1") + ENVS.encode())
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    diag = caught.value.diagnostics[0]
    assert (diag.line, "is not UTF-8") == (4, diag.message[diag.message.index("is not") :])


def test_a_missing_file_is_bad_input_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_file(tmp_path / "nope.yaml")
    assert caught.value.diagnostics[0].message == "no such file"


@pytest.mark.parametrize("case", CASES[:12] + CASES[-6:], ids=lambda c: c.name)
def test_the_cli_exits_2_with_file_line_col_and_no_traceback(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(case.text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:{case.line}:" in result.output
    assert "Traceback" not in result.output
    assert case.message in result.output


def test_validate_json_reports_each_file_and_its_diagnostics(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(HEAD + ENVS)
    bad.write_text(HEAD + "environments: [\n")
    result = CliRunner().invoke(
        cli, ["policy", "validate", "--format", "json", str(good), str(bad)]
    )
    assert result.exit_code == 2
    import json

    report = json.loads(result.stdout)
    assert [f["valid"] for f in report["files"]] == [True, False]
    assert report["files"][0]["digest"].startswith("sha256:")
    assert report["files"][1]["diagnostics"][0]["line"] == 5
