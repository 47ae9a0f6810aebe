"""``config_scan``: the deployable's configuration reaches nothing fenced off, and carries no
mock data.

The files under ``paths`` (env files, YAML, JSON, Kubernetes manifests; read from the
candidate's checkout) are scanned line by line:

- **fences** (``fences: true``): hosts named by the environment's ``fences`` (the
  ``endpoints`` of each denied environment, and ``deny_hosts``) must not appear. Host
  patterns are globs where ``*`` spans dots (``*.labs.*``), compared case-insensitively
  with every host name or URL in the line.
- **data markers** (``data_markers: true``): the environment's ``data.forbid_markers`` must
  not appear (case-insensitive substrings). Whole-line comments (``#``, ``//``) are skipped.

Every hit is named as ``file:line``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from golive.core.gate.context import Context, result
from golive.core.gate.globs import first_match
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import ConfigScanGate, Environment, Policy

_HOST = re.compile(
    r"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z0-9](?::\d+)?", re.I
)
_COMMENT = ("#", "//")


def fenced_hosts(policy: Policy, env: Environment) -> list[tuple[str, str]]:
    """(pattern, why) for every host this environment must not reach."""
    out: list[tuple[str, str]] = []
    for fence in env.fences:
        for other in fence.deny_environments:
            target = policy.environment(other)
            for endpoint in target.endpoints if target else []:
                out.append((endpoint, f"an endpoint of {other}"))
        out.extend((host, "a denied host") for host in fence.deny_hosts)
    return out


def _host_regex(pattern: str) -> re.Pattern[str]:
    pattern = re.sub(r"^[a-z]+://", "", pattern.strip().lower()).split("/")[0]
    return re.compile(".*".join(re.escape(p) for p in pattern.split("*")) + r"\Z")


def scan(
    files: Mapping[str, str],
    hosts: list[tuple[str, str]],
    markers: list[str],
) -> list[str]:
    """Every fenced host and data marker found, as ``file:line: what``."""
    host_res = [(p, why, _host_regex(p)) for p, why in hosts]
    hits: list[str] = []
    for path in sorted(files):
        for number, line in enumerate(files[path].splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith(_COMMENT):
                continue
            lower = stripped.lower()
            for match in _HOST.finditer(lower):
                host = match.group(0).split(":")[0]
                for pattern, why, rx in host_res:
                    if rx.match(host):
                        hits.append(f"{path}:{number}: host {host} matches {pattern} ({why})")
            for marker in markers:
                if marker.lower() in lower:
                    hits.append(f"{path}:{number}: mock-data marker '{marker}'")
    return hits


def evaluate(gate: ConfigScanGate, ctx: Context) -> CheckResult:
    p = gate.params
    env = ctx.policy.environment(ctx.environment)
    assert env is not None
    hosts = fenced_hosts(ctx.policy, env) if p.fences else []
    markers = list(env.data.forbid_markers) if p.data_markers and env.data else []
    parts = []
    if p.fences:
        parts.append("no host fenced off from " + env.id)
    if p.data_markers:
        parts.append("no mock-data marker (" + (", ".join(markers) or "none defined") + ")")
    rule = f"files under {', '.join(p.paths)} contain " + " and ".join(parts)
    repo = ctx.facts.repo
    if repo is None:
        return result(
            gate,
            Outcome.ERROR,
            "the candidate's files were not given",
            rule=rule,
            remediation="give --repo (the candidate's checkout)",
        )
    files = {k: v for k, v in repo.files.items() if first_match(p.paths, k)}
    facts = [f"files scanned: {len(files)}", *(f"scanned {f}" for f in sorted(files)[:20])]
    if not hosts and not markers:
        return result(
            gate,
            Outcome.NOT_APPLICABLE,
            f"{env.id} defines no fences or data markers",
            rule=rule,
            facts=tuple(facts),
        )
    if not files:
        return result(
            gate,
            Outcome.ERROR,
            f"no file matches {', '.join(p.paths)}",
            rule=rule,
            facts=tuple(facts),
            reasons=("a scan of no files proves nothing",),
            remediation="check the gate's paths and that --repo is the candidate's checkout",
        )
    hits = scan(files, hosts, markers)
    if hits:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(hits)} finding(s) in the configuration",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(hits),
            remediation="remove the fenced hosts and test data from this environment's config",
        )
    return result(gate, Outcome.PASS, f"{len(files)} file(s) clean", rule=rule, facts=tuple(facts))
