"""``semver``: the release tag is a semantic version, and a breaking API change bumps the major.

Versions follow semver.org 2.0.0 exactly (no leading zeros, dot-separated pre-release and
build identifiers). The version comes from ``--version`` or the candidate's tag with the
policy's ``tag_prefix``; the previous release is the latest earlier tag git found. A breaking
change is one the ``api_docs`` diff finds between the base and head OpenAPI schemas (see
:mod:`golive.core.gate.openapi`); with ``breaking_requires_major`` it needs a major bump
(or, before 1.0.0, a minor bump, as semver allows anything in 0.y.z but golive asks for
at least that).
"""

from __future__ import annotations

from golive.core.gate import openapi
from golive.core.gate.context import Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.gate.versions import Version, is_major_bump, parse, strip_prefix
from golive.core.policy.model import ApiDocsGate, SemverGate


def breaking_changes(ctx: Context) -> list[str] | None:
    """Breaking API changes between base and head, or ``None`` when they cannot be told."""
    repo = ctx.facts.repo
    gates = [g for g in ctx.policy.gates if isinstance(g, ApiDocsGate)]
    if repo is None or not gates:
        return None
    globs = [p for g in gates for p in g.params.schemas]
    found: list[str] = []
    for diff in openapi.diff_schemas(repo.base_files, repo.files, globs):
        found.extend(f"{diff.path}: {c}" for c in diff.breaking)
    return found


def evaluate(gate: SemverGate, ctx: Context) -> CheckResult:
    prefix = gate.params.tag_prefix
    rule = f"the release tag is {prefix}MAJOR.MINOR.PATCH (semver 2.0.0)"
    if not gate.params.allow_prerelease:
        rule += ", not a pre-release"
    if gate.params.breaking_requires_major:
        rule += "; a breaking API change bumps the major version"
    repo = ctx.facts.repo
    tags = repo.tags if repo else ()
    facts = [f"tags: {', '.join(tags) or 'none'}"]
    texts = [(t, strip_prefix(t, prefix)) for t in tags]
    candidates = [(t, v) for t, v in texts if v is not None]
    version_text = ctx.facts.candidate.version
    source = "--version"
    if version_text is None and candidates:
        source, version_text = candidates[0]
    if version_text is None:
        return result(
            gate,
            Outcome.ERROR if not tags else Outcome.FAIL,
            "no release tag" if not tags else f"no tag starts with '{prefix}'",
            rule=rule,
            facts=tuple(facts),
            reasons=(
                "the candidate carries no tag and no --version was given"
                if not tags
                else f"tags {', '.join(tags)} do not start with '{prefix}'",
            ),
            remediation=f"tag the release {prefix}1.2.3 (or give --tag / --version)",
        )
    version = parse(version_text.removeprefix(prefix) if source == "--version" else version_text)
    facts.append(f"version: {version_text} (from {source})")
    if version is None:
        return result(
            gate,
            Outcome.FAIL,
            f"'{version_text}' is not a semantic version",
            rule=rule,
            facts=tuple(facts),
            reasons=(f"'{version_text}' does not match MAJOR.MINOR.PATCH[-PRE][+BUILD]",),
            remediation=f"tag the release as {prefix}MAJOR.MINOR.PATCH",
        )
    if version.prerelease and not gate.params.allow_prerelease:
        return result(
            gate,
            Outcome.FAIL,
            f"{version} is a pre-release",
            rule=rule,
            facts=tuple(facts),
            reasons=(f"pre-release '{'.'.join(version.prerelease)}' may not deploy here",),
            remediation="release a final version, or set allow_prerelease: true",
        )
    if gate.params.breaking_requires_major:
        return _breaking(gate, ctx, version, rule, facts)
    return result(
        gate, Outcome.PASS, f"{version} is a semantic version", rule=rule, facts=tuple(facts)
    )


def _breaking(
    gate: SemverGate, ctx: Context, version: Version, rule: str, facts: list[str]
) -> CheckResult:
    prefix = gate.params.tag_prefix
    breaking = breaking_changes(ctx)
    if breaking is None:
        facts.append("breaking API changes: not checked (no api_docs gate or no git facts)")
        return result(
            gate, Outcome.PASS, f"{version} is a semantic version", rule=rule, facts=tuple(facts)
        )
    facts.append(f"breaking API changes: {len(breaking)}")
    if not breaking:
        return result(
            gate,
            Outcome.PASS,
            f"{version} is a semantic version; no breaking API change",
            rule=rule,
            facts=tuple(facts),
        )
    repo = ctx.facts.repo
    prev_tag = repo.previous_tag if repo else None
    prev_text = strip_prefix(prev_tag, prefix) if prev_tag else None
    previous = parse(prev_text) if prev_text else None
    facts.append(f"previous release: {prev_tag or 'none'}")
    if prev_tag is not None and previous is None:
        return result(
            gate,
            Outcome.ERROR,
            f"the previous release tag '{prev_tag}' is not a semantic version",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(breaking),
            remediation="tag releases as semantic versions",
        )
    if prev_tag is None and repo is not None and repo.shallow:
        return result(
            gate,
            Outcome.ERROR,
            "the previous release cannot be found in a shallow clone",
            rule=rule,
            facts=tuple(facts),
            reasons=(
                *breaking,
                "the checkout is shallow, so no earlier release tag was found; this may not be "
                "the first release",
            ),
            remediation="check out the full history with tags (actions/checkout "
            "fetch-depth: 0), then run the gate again",
        )
    if previous is None or is_major_bump(previous, version):
        return result(
            gate,
            Outcome.PASS,
            f"{version} bumps the major version for {len(breaking)} breaking API change(s)",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(breaking),
        )
    return result(
        gate,
        Outcome.FAIL,
        f"{len(breaking)} breaking API change(s) but {previous} -> {version} is not a major bump",
        rule=rule,
        facts=tuple(facts),
        reasons=tuple(breaking),
        remediation=f"release as {prefix}{previous.major + 1}.0.0, or make the change "
        "backward compatible",
    )
