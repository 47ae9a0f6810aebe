"""The part-2 parsers never crash on hostile input (hypothesis), and bad files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from part2_support import policy

from golive.core.gate import codeowners, flags, openapi
from golive.core.gate.versions import parse
from golive.errors import PolicyError
from golive.records.reviews import read_pull, read_reviews

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
PATHY = st.text(alphabet="ab/*?[]!#\\ @.-_\n\t", max_size=60)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=PATHY, path=st.text(alphabet="ab/.", max_size=12))
def test_codeowners_parsing_and_matching_never_crash(text: str, path: str) -> None:
    parsed = codeowners.parse(text)
    for section in parsed.sections:
        parsed.owner_of(path, section.name)


@settings(max_examples=300)
@given(old=JSON, new=JSON)
def test_the_openapi_diff_never_crashes_on_any_json(old: object, new: object) -> None:
    doc = {"openapi": "3.0.0", "paths": old, "components": new}
    openapi.breaking(doc, {"openapi": "3.0.0", "paths": new})


FLAG_RULE = policy(
    """
    environments: [{id: production}]
    flags: {rules: [{environment: production}]}
    gates: []
    """
).policy.flags


@settings(max_examples=300)
@given(doc=st.dictionaries(st.just("flags"), JSON, max_size=1))
def test_flag_rules_never_crash_on_any_flag_document(doc: dict[str, object]) -> None:
    assert FLAG_RULE is not None
    flags.check(doc, FLAG_RULE.rules[0])


@given(text=st.text(max_size=30))
def test_semver_parsing_never_crashes(text: str) -> None:
    parse(text)


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ('[{"id": 1, "user": {"login": "a"}, "state": "APPROVED"},\n  {"id": "x"}]', "[1].id"),
        ('[{"id": 1, "user": {"login": "a"}, "state": "APPROVED"}\n,,]', ":2:"),
        ('{"id": 1}', "must be a JSON list"),
    ],
)
def test_bad_review_exports_name_the_file_and_field(
    tmp_path: Path, content: str, where: str
) -> None:
    path = tmp_path / "reviews.json"
    path.write_text(content)
    with pytest.raises(PolicyError) as err:
        read_reviews(path)
    assert where in "\n".join(d.render() for d in err.value.diagnostics)


def test_a_pull_request_export_needs_the_author_and_head(tmp_path: Path) -> None:
    path = tmp_path / "pr.json"
    path.write_text(json.dumps({"number": 3, "user": {"login": "a"}}))
    with pytest.raises(PolicyError) as err:
        read_pull(path)
    assert "head" in err.value.diagnostics[0].render()
