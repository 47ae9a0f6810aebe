"""Plain purls are normalised without the parser; the result is the parser's, always."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from golive.core.dedupe import _PLAIN_PURL, _PLAIN_TYPES, _normalize_purl, _parse_purl

TYPES = _PLAIN_TYPES
# the plain alphabet, plus characters that must send a purl to the parser
SEGMENT = st.text(alphabet="abcz09._-~AZ+%:@ ", min_size=1, max_size=12)
VERSION = st.text(alphabet="abcAZ09._-~+:%@ ", min_size=1, max_size=12)


@st.composite
def purls(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from([*TYPES, "huggingface", "oci", "pub", "mlflow", "cpan", "Pypi"]))
    namespace = draw(st.lists(SEGMENT, max_size=3))
    name = draw(SEGMENT)
    version = draw(st.none() | VERSION)
    tail = draw(st.sampled_from(["", "", "", "?arch=x86_64", "#sub/path", "/"]))
    path = "/".join([*namespace, name])
    return f"pkg:{kind}/{path}" + (f"@{version}" if version else "") + tail


@settings(max_examples=3000, deadline=None)
@given(purls())
@example("pkg:pypi/Jinja_2..x@3.1.0")
@example("pkg:pypi/a._-b@1")
@example("pkg:npm/@scope/name@1.0.0")
@example("pkg:maven/org.apache.commons/commons-lang3@3.12.0")
@example("pkg:golang/github.com/foo/bar@v0.0.0-20210101000000-abcdef012345")
@example("pkg:deb/debian/curl@7.88.1-10+deb12u5?arch=amd64")
@example("pkg:npm/a~b@1~2")
@example("pkg:generic/a/./b@1")
@example("pkg:generic/a/../b@1")
def test_a_plain_purl_normalises_exactly_as_the_parser_does(purl: str) -> None:
    assert _normalize_purl(purl) == _parse_purl(purl)


@pytest.mark.parametrize(
    ("purl", "plain"),
    [
        ("pkg:pypi/jinja2@3.1.4", True),
        ("pkg:npm/left-pad@1.3.0", True),
        ("pkg:npm/%40scope/name@1.0.0", False),  # quoted: the parser decides
        ("pkg:pypi/jinja2@3.1.4?extension=whl", False),  # qualifiers dropped by the parser
        ("pkg:oci/debian@sha256%3A244fd47e07d10", False),  # versions lower-cased for oci
        ("pkg:PyPI/jinja2", False),
    ],
)
def test_only_purls_with_nothing_to_quote_or_fold_take_the_plain_path(
    purl: str, plain: bool
) -> None:
    assert (_PLAIN_PURL.fullmatch(purl) is not None) is plain
    assert _normalize_purl(purl) == _parse_purl(purl)
