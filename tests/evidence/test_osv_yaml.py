"""OSV records in YAML, as pypa/advisory-database keeps them (gates-and-evidence §4.5, §9 case 20).

YAML reads an unquoted ``2.10`` as the number 2.1; a version must stay the text it was written
as. The hand-made fixture follows the shape of ``vulns/jinja2/PYSEC-2019-217.yaml`` there.
"""

from __future__ import annotations

import pytest
from evidence_support import HANDMADE, scan

from golive.core.findings import ScanKind, ScanReport
from golive.errors import EvidenceError
from golive.evidence import UnknownFormat, read_bytes, read_path

RECORD = """\
id: PYSEC-2099-1
details: A made-up advisory whose fix version YAML would read as a number.
affected:
- package:
    name: example-lib
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 0
    - fixed: 1.10
aliases:
- CVE-2099-0001
modified: 2099-01-01T00:00:00Z
"""


def _read(text: str) -> ScanReport:
    report = read_bytes(text.encode(), "record.yaml")
    assert isinstance(report, ScanReport)
    return report


def test_osv_yaml_record_is_read_like_its_json():
    report = scan("handmade/osv-pysec-2019-217.yaml")
    assert report.format == "osv"
    assert report.kind is ScanKind.SCA
    (finding,) = report.findings
    assert finding.ids == ("PYSEC-2019-217", "CVE-2019-10906")
    assert finding.fix_versions == ("2.10.1",)
    assert finding.package is not None
    assert finding.package.purl == "pkg:pypi/jinja2"  # from the name: the purl is malformed
    assert any("malformed purl 'pkg:pypi:jinja2'" in n for n in finding.notes)
    as_json = scan("handmade/osv-pysec-2019-217.json").findings[0]
    assert (finding.rule_id, finding.package, finding.fix_versions) == (
        as_json.rule_id,
        as_json.package,
        as_json.fix_versions,
    )


def test_osv_yaml_unquoted_version_stays_text_not_a_number():
    (finding,) = _read(RECORD).findings
    assert finding.fix_versions == ("1.10",)  # not "1.1"
    assert finding.ids == ("PYSEC-2099-1", "CVE-2099-0001")


def test_osv_yaml_bomb_is_refused_with_a_clear_error():
    bomb = "id: PYSEC-2099-2\nmodified: x\na: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    bomb += "affected: [*g]\n"
    with pytest.raises(EvidenceError, match="looks like an OSV record in YAML, but"):
        read_bytes(bomb.encode(), "bomb.yaml")


def test_osv_yaml_nested_too_deeply_is_a_clear_error_not_a_crash():
    text = "id: PYSEC-2099-4\nmodified: x\naffected: " + "[" * 50_000 + "]" * 50_000 + "\n"
    with pytest.raises(EvidenceError, match="nests lists and mappings too deeply"):
        read_bytes(text.encode(), "deep.yaml")


def test_osv_looking_yaml_that_does_not_parse_names_the_line():
    text = "id: PYSEC-2099-3\nmodified: x\naffected:\n  - package: {name: [unclosed\n"
    with pytest.raises(EvidenceError, match=r"bad.yaml: line \d+ column \d+: looks like an OSV"):
        read_bytes(text.encode(), "bad.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "# A README\n\nid: not a record at all\n",
        "name: build log\nmodified: yesterday\n",
        "id: x\nmodified: y\n---\nid: z\n",  # two documents: not one record
    ],
)
def test_other_text_is_not_evidence(text):
    with pytest.raises((UnknownFormat, EvidenceError)):
        read_bytes(text.encode(), "notes.txt")


def test_osv_yaml_in_an_evidence_directory_is_read(tmp_path):
    (tmp_path / "PYSEC-2019-217.yaml").write_bytes(
        (HANDMADE / "osv-pysec-2019-217.yaml").read_bytes()
    )
    loaded = read_path(tmp_path / "PYSEC-2019-217.yaml")
    assert isinstance(loaded.evidence, ScanReport)
    assert loaded.evidence.findings[0].rule_id == "PYSEC-2019-217"
