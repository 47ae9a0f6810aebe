"""Reading policy files from disk: size limit, encoding, then the pure loader."""

from __future__ import annotations

from pathlib import Path

from golive.core.policy.loader import LoadedPolicy, load_policy_text
from golive.errors import Diagnostic, PolicyError

#: Largest policy file golive reads. Real policies are a few kilobytes.
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


def read_policy_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, or a :class:`PolicyError` naming the file and what is wrong."""
    name = str(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise PolicyError([Diagnostic(name, 0, 0, "is a directory, not a policy file")])
        if size > max_bytes:
            raise PolicyError(
                [
                    Diagnostic(
                        name,
                        0,
                        0,
                        f"the file is {size:,} bytes; golive reads policy files up to "
                        f"{max_bytes:,} bytes",
                        hint="a policy is usually a few kilobytes; check that this is the right "
                        "file (the limit is GOLIVE_MAX_POLICY_BYTES)",
                    )
                ]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError([Diagnostic(name, 0, 0, "no such file")]) from None
    except PermissionError:
        raise PolicyError([Diagnostic(name, 0, 0, "permission denied")]) from None
    except OSError as exc:
        raise PolicyError([Diagnostic(name, 0, 0, f"cannot read: {exc.strerror}")]) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PolicyError(
            [
                Diagnostic(
                    name,
                    line,
                    column,
                    f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                    hint="save the file as UTF-8",
                )
            ]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PolicyError([Diagnostic(name, line, 1, "the file contains a NUL byte; not text")])
    return text


def load_policy_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedPolicy:
    """Read, parse and validate one policy file."""
    return load_policy_text(read_policy_text(path, max_bytes), str(path))
