"""Reading untrusted evidence bytes: the size limit, text decoding, JSON and XML parsing."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from golive.errors import EvidenceError

#: Default size limit of one evidence file, in bytes (50 MiB).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def _mib(n: int) -> str:
    return f"{round(n / (1024 * 1024), 3):g} MiB"


def read_limited(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of ``path``, refusing files larger than ``max_bytes``."""
    source = str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except IsADirectoryError:
        raise EvidenceError(source, "is a directory, not a file") from None
    except FileNotFoundError:
        raise EvidenceError(source, "no such file") from None
    except OSError as exc:
        raise EvidenceError(source, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise EvidenceError(
            source,
            f"file is larger than the evidence size limit of {_mib(max_bytes)} "
            f"({max_bytes} bytes); raise the limit with --max-size if the file is genuine",
        )
    return data


def decode_text(data: bytes, source: str) -> str:
    """Text of a JSON file: UTF-8 (with or without BOM), UTF-16 or UTF-32 as JSON allows."""
    try:
        encoding = json.detect_encoding(data)
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise EvidenceError(source, "is not valid UTF-8, UTF-16 or UTF-32 text") from None


def parse_json(data: bytes, source: str) -> object:
    """The JSON value in ``data``; control characters inside strings are tolerated."""
    text = decode_text(data, source)
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise EvidenceError(
            source, f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise EvidenceError(source, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python allows
        raise EvidenceError(source, f"invalid JSON: {exc}") from None


def is_wide_text(data: bytes) -> bool:
    """Whether ``data`` looks like UTF-16 or UTF-32 text (a BOM, or NUL bytes at the start)."""
    return data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and 0 in data[:4])


_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")


def _utf8_xml(data: bytes, source: str) -> bytes:
    """UTF-16/32 XML as UTF-8, its declaration dropped.

    Windows PowerShell's ``>`` re-encodes a tool's UTF-8 output as UTF-16 and keeps its
    ``encoding="UTF-8"`` declaration (jstemmer/go-junit-report#99), which expat refuses.
    """
    text = decode_text(data, source)
    return _XML_DECLARATION.sub("", text, count=1).encode("utf-8")


def _without_wrong_declaration(data: bytes, error: str) -> bytes | None:
    """UTF-8 bytes whose declaration names another encoding (a reporter that writes
    ``encoding="utf-16"`` over UTF-8 text, thomhurst/TUnit#4001), without that declaration;
    None when that is not the problem."""
    if "encoding" not in error:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    stripped = _XML_DECLARATION.sub("", text, count=1)
    return stripped.encode("utf-8") if stripped != text else None


def parse_xml(data: bytes, source: str) -> ET.Element:
    """The root element of ``data``, with DTDs and entities refused.

    Entities can only be declared in a DTD, so a document without ``<!DOCTYPE`` can hold no
    entity bomb and no external reference: it is parsed by the standard library's C parser
    (five times faster on a 50,000-case JUnit report). Any other goes through defusedxml,
    which refuses the DTD.
    """
    if is_wide_text(data):
        data = _utf8_xml(data, source)
    try:
        if b"<!DOCTYPE" in data or not data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
            # a DTD, or bytes in an encoding where it would not be spelled in ASCII
            root = SafeET.fromstring(data, forbid_dtd=True)
        else:
            root = ET.fromstring(data)
    except DefusedXmlException as exc:
        raise EvidenceError(
            source, f"XML with a DTD or entity declarations is refused ({type(exc).__name__})"
        ) from None
    except ET.ParseError as exc:
        retry = _without_wrong_declaration(data, str(exc))
        if retry is None:
            raise EvidenceError(source, f"invalid XML: {exc}") from None
        return parse_xml(retry, source)
    except (ValueError, RecursionError) as exc:
        raise EvidenceError(source, f"invalid XML: {exc}") from None
    if not isinstance(root, ET.Element):
        raise EvidenceError(source, "invalid XML: no root element")
    return root
