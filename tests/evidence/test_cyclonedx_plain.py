"""CycloneDX components and vulnerabilities of plain values are read without ``Doc``; the
facts, and the errors of bad documents, are those of the checked (Doc) reading."""

from __future__ import annotations

import json

import pytest
from evidence_support import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.errors import EvidenceError
from golive.evidence import cyclonedx, read_bytes

# the nested strategies below have a long repr; hypothesis warns when it builds it
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


def _slow(*args: object, **kwargs: object) -> object:
    raise cyclonedx._Slow


def _both(data: bytes) -> tuple[object, object]:
    def read() -> object:
        try:
            return read_bytes(data, "bom.json")
        except EvidenceError as exc:
            return exc.detail

    plain = read()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(cyclonedx, "_plain_component", _slow)
        m.setattr(cyclonedx, "_plain_vuln_findings", _slow)
        checked = read()
    return plain, checked


@pytest.mark.parametrize(
    "path",
    sorted(p for p in FIXTURES.rglob("*.json") if "cyclonedx" in p.name or ".cdx." in p.name),
    ids=lambda p: p.relative_to(FIXTURES).as_posix(),
)
def test_every_cyclonedx_fixture_reads_the_same(path) -> None:
    plain, checked = _both(path.read_bytes())
    assert plain == checked


# JSON values of every type, so that both readings meet what they must refuse
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "x", "pkg:pypi/requests@2.0.0", "CVSSv31", "CVSSv2", "other", "high",
                     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
                     "AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
                     "\x1b[2J", "@babel", "@babel/core", "urn:cdx:1/1#r1", "r1", "7.5",
                     "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"]),
)  # fmt: skip
_ANY = st.one_of(_SCALAR, st.lists(_SCALAR, max_size=2), st.dictionaries(st.just("name"), _SCALAR))


def _obj(
    keys: dict[str, st.SearchStrategy[object]], wild: bool
) -> st.SearchStrategy[dict[str, object]]:
    """Objects with ``keys`` (null values, and absent ones when ``wild``); ``wild``: a value
    may be of any JSON type instead."""
    if not wild:  # every key, its value often null: as good as absent, for a reader
        return st.fixed_dictionaries(keys)
    return st.fixed_dictionaries({}, optional={k: st.one_of(v, _ANY) for k, v in keys.items()})


def _boms(wild: bool) -> st.SearchStrategy[dict[str, object]]:
    def obj(keys: dict[str, st.SearchStrategy[object]]) -> st.SearchStrategy[dict[str, object]]:
        return _obj(keys, wild)

    license_ = st.one_of(  # "expression" counts when present, even null
        obj({"expression": _SCALAR}), obj({"license": obj({"id": _SCALAR, "name": _SCALAR})})
    )
    component = obj(
        {
            "name": _SCALAR,
            "group": _SCALAR,
            "version": _SCALAR,
            "purl": _SCALAR,
            "bom-ref": st.sampled_from(["r1", "r2", "pkg:npm/x@1"]),
            "supplier": obj({"name": _SCALAR}),
            "licenses": st.lists(license_, max_size=2),
            "components": st.lists(obj({"name": _SCALAR, "bom-ref": _SCALAR}), max_size=2),
        }
    )
    rating = obj(
        {
            "source": obj({"name": _SCALAR}),
            "method": _SCALAR,
            "vector": _SCALAR,
            "score": _SCALAR,
            "severity": _SCALAR,
        }
    )
    vuln = obj(
        {
            "id": _SCALAR,
            "references": st.lists(obj({"id": _SCALAR}), max_size=2),
            "advisories": st.lists(obj({"url": _SCALAR}), max_size=2),
            "ratings": st.lists(rating, max_size=3),
            "analysis": st.none()
            | obj({"state": _SCALAR, "response": st.lists(_SCALAR, max_size=2)}),
            "properties": st.lists(obj({"name": _SCALAR, "value": _SCALAR}), max_size=2),
            "description": _SCALAR,
            "detail": _SCALAR,
            "recommendation": _SCALAR,
            "affects": st.lists(obj({"ref": _SCALAR}), max_size=2),
            "rejected": _SCALAR,
        }
    )
    item = (lambda s: st.one_of(s, _SCALAR)) if wild else (lambda s: s)
    return st.fixed_dictionaries(
        {
            "bomFormat": st.just("CycloneDX"),
            "specVersion": st.just("1.6"),
            "components": st.lists(item(component), min_size=1, max_size=6),
            "vulnerabilities": st.lists(item(vuln), min_size=1, max_size=6),
        }
    )


@settings(max_examples=400, deadline=None)
@given(doc=_boms(wild=False))
def test_generated_boms_read_the_same(doc) -> None:
    plain, checked = _both(json.dumps(doc).encode())
    assert plain == checked


@settings(max_examples=300, deadline=None)
@given(doc=_boms(wild=True))
def test_generated_boms_with_values_of_any_type_read_or_fail_the_same(doc) -> None:
    plain, checked = _both(json.dumps(doc).encode())
    assert plain == checked
