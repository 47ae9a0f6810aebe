"""The one exception tree of golive.

Every error golive raises on purpose is a :class:`GoliveError`. Entry points map
the tree to exit codes, HTTP statuses and HTML pages in one place each; nothing
else catches these.

    GoliveError                    base; never raised directly
    ├── InputError                 exit 2: the user gave something golive cannot use
    │   ├── PolicyError            a policy file is malformed or inconsistent; carries
    │   │                          every Diagnostic found (file:line:col, field path, hint)
    │   ├── UsageError             a command was called with arguments that do not fit
    │   ├── EvidenceError          an evidence file (test report, scanner report, SBOM)
    │   │                          cannot be used: too large, malformed, hostile (XML
    │   │                          entities), or of no known format; names the file
    │   ├── NotFound               the thing asked for does not exist for this tenant
    │   ├── Conflict               a write clashes with what is stored (an idempotency
    │   │                          key reused with a different body)
    │   ├── Unauthenticated        no credentials, or an unknown/expired/revoked token
    │   ├── PermissionDenied       the caller's role does not allow this action
    │   └── RateLimited            too many requests for this token; retry later
    ├── DependencyUnavailable      exit 3: a server, database, git or Prometheus
    │                              did not answer; retry when it is back
    └── VerificationError          exit 1: a proof, signature or checkpoint of the audit
                                   ledger does not check out; treat the data as tampered

A verdict ("blocked", "breached") is not an error: it is a result, exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EXIT_OK = 0
EXIT_POLICY_SAYS_NO = 1
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in an input file, located as precisely as golive can.

    ``line`` and ``column`` are 1-based; 0 means "the file as a whole".
    ``path`` is the field path inside the document, such as
    ``gates[3].params.max_severity``; empty for problems of the file itself.
    """

    file: str
    line: int
    column: int
    message: str
    path: str = ""
    hint: str = ""
    severity: Literal["error", "warning"] = "error"

    def render(self) -> str:
        """``file:line:col: severity: path: message`` and, indented, the hint."""
        where = self.file if self.line == 0 else f"{self.file}:{self.line}:{self.column}"
        subject = f"{self.path}: " if self.path else ""
        text = f"{where}: {self.severity}: {subject}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class GoliveError(Exception):
    """Base of every error golive raises on purpose."""

    exit_code = EXIT_BAD_INPUT


class InputError(GoliveError):
    """The input cannot be used. Fix the file or argument named in the message."""

    exit_code = EXIT_BAD_INPUT


@dataclass
class PolicyError(InputError):
    """A policy file is malformed or inconsistent.

    Raised by the policy loader with *every* problem it found, sorted by
    position, so that one run shows the user all there is to fix.
    """

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class UsageError(InputError):
    """A command was called with arguments that do not fit; see ``--help``."""


class EvidenceError(InputError):
    """An evidence file cannot be read as evidence.

    Raised by every reader under :mod:`golive.evidence` for a file that is
    larger than the configured limit, is not valid JSON or XML, uses XML
    entities or a DTD, has no recognisable format, or has a field of the wrong
    type. The message starts with the file name and, where known, names the
    field. Fix or regenerate the report; golive never guesses at broken evidence.
    """

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.detail = message


class DependencyUnavailable(GoliveError):
    """Something golive depends on (server, database, git, Prometheus) did not answer.

    Nothing was changed; run the command again when the dependency is back.
    """

    exit_code = EXIT_UNAVAILABLE


class VerificationError(GoliveError):
    """A Merkle proof, signed note or checkpoint of the audit ledger did not verify.

    Raised when a presented proof does not lead to the trusted root, a signature from a
    known key is invalid, or no known key signed a note. The message names what failed.
    The data is not what the ledger committed to: treat it as tampered or corrupt, and
    compare it with an independent copy (a WORM export, a witness) before trusting it.
    """

    exit_code = EXIT_POLICY_SAYS_NO


class NotFound(InputError):
    """What was asked for does not exist, or belongs to another tenant (never told apart)."""


class Conflict(InputError):
    """A write clashes with what is stored, e.g. an idempotency key sent again with a
    different body. Use a new key for a new request."""


class Unauthenticated(InputError):
    """No credentials were presented, or the token is unknown, expired or revoked."""


class PermissionDenied(InputError):
    """The caller's role does not allow this action; ask an admin for a role that does."""


class RateLimited(InputError):
    """Too many requests for one token; wait ``retry_after`` seconds and try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
