"""Detection by content, the size limit, and the one error type of every reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evidence_support import FIXTURES, HANDMADE

from golive.core.severity import band_for_score
from golive.errors import EvidenceError, InputError
from golive.evidence import read_bytes, read_path
from golive.evidence.detect import UnknownFormat, detect

EXPECTED = {
    "bandit.json": "bandit",
    "bandit-with-errors.json": "bandit",
    "semgrep.json": "semgrep",
    "semgrep-with-errors.json": "semgrep",
    "semgrep.sarif": "sarif",
    "detect-secrets.baseline": "detect-secrets",
    "pip-audit-nothing-audited.json": "pip-audit",
    "cyclonedx-py-1.4.cdx.json": "cyclonedx",
    "cyclonedx-py-1.6.cdx.json": "cyclonedx",
    "junit-pytest.xml": "junit",
    "junit-pytest-rerunfailures.xml": "junit",
    "handmade/gitleaks.json": "gitleaks",
    "handmade/trivy.json": "trivy",
    "handmade/trivy-results-null.json": "trivy",
    "handmade/grype.json": "grype",
    "handmade/grype-empty.json": "grype",
    "handmade/osv-ghsa.json": "osv",
    "handmade/osv-scanner-v1.json": "osv-scanner",
    "handmade/osv-scanner-v2.json": "osv-scanner",
    "handmade/pip-audit-vulns.json": "pip-audit",
    "handmade/spdx-2.3.json": "spdx",
    "handmade/spdx-2.3-utf16.json": "spdx",
    "handmade/spdx-3.0-syft.json": "spdx",
    "handmade/cyclonedx-vex-1.5.json": "cyclonedx",
    "handmade/sarif-trivy-legacy.sarif": "sarif",
    "handmade/golive-commands.json": "golive-commands",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_every_fixture_is_detected_as_its_format(name, fmt):
    assert detect((FIXTURES / name).read_bytes(), name).format == fmt


def test_detection_is_by_content_not_file_name(tmp_path: Path):
    misleading = tmp_path / "results.sarif.xml"
    misleading.write_bytes((FIXTURES / "bandit.json").read_bytes())
    assert read_path(misleading).evidence.format == "bandit"


@pytest.mark.parametrize(
    ("doc", "fmt"),
    [
        ([], "gitleaks"),
        ([{"id": "PYSEC-1", "affected": []}], "osv"),
        ({"vulns": []}, "osv"),
        ({"results": [], "errors": [], "paths": {"scanned": []}, "version": "1"}, "semgrep"),
    ],
)
def test_small_documents_are_detected(doc, fmt):
    assert detect(json.dumps(doc).encode(), "x").format == fmt


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello", "neither JSON nor XML"),
        (b'{"name": "package.json"}', r"keys \(name\) is not an evidence format"),
        (b"<html></html>", "root <html> is not JUnit"),
        (b"[1, 2]", "no evidence format"),
    ],
)
def test_unknown_content_is_one_clear_error(data, message):
    with pytest.raises(UnknownFormat, match=message):
        read_bytes(data, "f")


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_empty_file_is_an_error_not_a_clean_report(data):
    with pytest.raises(EvidenceError, match="is empty"):
        read_bytes(data, "f")


def test_unknown_format_is_an_input_error_with_exit_code_2():
    assert issubclass(UnknownFormat, EvidenceError)
    assert issubclass(EvidenceError, InputError)
    assert EvidenceError("f", "x").exit_code == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"runs": [', "invalid JSON"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
        (b'{"version": "2.1.0", "runs": [{"results": "no"}]}', r"runs\[0\].results: expected an"),
        (b'{"bomFormat": "CycloneDX", "components": {"a": 1}}', "components: expected an array"),
        (b"\xff\xfe\x00", "not valid UTF-8"),
    ],
)
def test_malformed_input_raises_evidence_error_naming_file_and_field(data, message):
    with pytest.raises(EvidenceError, match=message) as info:
        read_bytes(data, "report.json")
    assert str(info.value).startswith("report.json: ")


def test_file_over_the_size_limit_is_refused_with_the_limit_named(tmp_path: Path):
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b" " * 2048 + b"]")
    with pytest.raises(EvidenceError, match=r"size limit of [0-9.e-]+ MiB \(1048 bytes\)"):
        read_path(big, max_bytes=1048)
    assert read_path(big, max_bytes=4096).evidence.format == "gitleaks"


def test_missing_file_and_directory_are_clear_errors(tmp_path: Path):
    with pytest.raises(EvidenceError, match="no such file"):
        read_path(tmp_path / "nope.json")
    with pytest.raises(EvidenceError, match="is a directory"):
        read_path(tmp_path)


def test_read_path_records_the_sha256_of_the_bytes():
    loaded = read_path(HANDMADE / "grype-empty.json")
    import hashlib

    assert loaded.sha256 == hashlib.sha256((HANDMADE / "grype-empty.json").read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("score", "version", "band"),
    [
        (0.0, "3", "info"),
        (0.1, "3", "low"),
        (3.9, "3", "low"),
        (4.0, "3", "medium"),
        (6.9, "3", "medium"),
        (7.0, "3", "high"),
        (8.9, "3", "high"),
        (8.95, "3", "high"),
        (9.0, "3", "critical"),
        (10.0, "3", "critical"),
        (10.0, "2", "high"),
    ],
)
def test_score_bands_are_closed_below_and_v2_has_no_critical(score, version, band):
    assert band_for_score(score, version).value == band


def test_the_severity_doc_states_the_algorithm_version():
    from golive.core.severity import ALGORITHM_VERSION

    doc = (Path(__file__).resolve().parents[2] / "docs" / "severity.md").read_text()
    assert f"Algorithm version: {ALGORITHM_VERSION}" in doc


def test_xml_without_a_dtd_is_read_by_the_c_parser_and_with_one_by_defusedxml(monkeypatch) -> None:
    """Entities need a DTD: only a document with ``<!DOCTYPE`` (or not ASCII-spelled) pays
    for defusedxml's Python-level parser; both give the same tree."""
    from golive.evidence import _io

    calls: list[str] = []
    real = _io.SafeET.fromstring

    def spy(data: bytes, **kwargs: object) -> object:
        calls.append("defused")
        return real(data, **kwargs)

    monkeypatch.setattr(_io.SafeET, "fromstring", spy)
    plain = b'<?xml version="1.0"?><testsuite name="s"><testcase name="a"/></testsuite>'
    assert _io.parse_xml(plain, "a.xml").find("testcase") is not None
    assert calls == []
    commented = plain.replace(b"<testsuite", b"<!-- <!DOCTYPE x> --><testsuite", 1)
    assert _io.parse_xml(commented, "b.xml").find("testcase") is not None
    assert calls == ["defused"]
    with pytest.raises(EvidenceError, match="DTD"):
        _io.parse_xml(b'<!DOCTYPE x [<!ENTITY e "y">]><x>&e;</x>', "c.xml")
