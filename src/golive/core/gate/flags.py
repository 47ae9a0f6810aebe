"""``feature_flags``: flag definitions (flagd JSON) obey the policy's rules for the environment.

flagd's shape: ``{"flags": {KEY: {"state", "variants", "defaultVariant", "targeting"?,
"metadata"?}}}``. A flag's category (``risky``, ``experimental``, ``beta``) is its
``metadata[category_key]``. The policy's ``flags.rules`` entry for the environment says:

- ``risky_default: off``: a risky flag is **off by default**: ``state: DISABLED``, or an off
  default variant and no targeting rule that can serve an on variant;
- ``experimental: disabled``: an experimental flag is off by default and never targeted on;
- ``beta: segments_only``: a beta flag is off by default, and on only through targeting;
  ``disabled``: as experimental;
- ``require_kill_switch``: a risky flag can be switched off: it has an off variant, or its
  ``metadata.kill_switch`` names another flag in the file.

A variant is *on* when its value is ``true``, ``"on"``, a non-zero number, or any other
non-empty value that is not ``false``/``"off"``/``"disabled"``.
"""

from __future__ import annotations

import json
from typing import Any

from golive.core.gate.context import Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import FeatureFlagsGate, FlagRule

_OFF = {"false", "off", "disabled", "0", "", "none", "null"}


def is_on(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() not in _OFF


def _state(flag: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(enabled, on by default, can be targeted on)."""
    enabled = str(flag.get("state", "ENABLED")).upper() != "DISABLED"
    variants = _obj(flag.get("variants"))
    default = flag.get("defaultVariant")
    default_on = enabled and default in variants and is_on(variants[default])
    targeting = flag.get("targeting")
    text = json.dumps(targeting) if targeting else ""
    on_names = [name for name, value in variants.items() if is_on(value)]
    targeted_on = enabled and bool(targeting) and any(f'"{n}"' in text for n in on_names)
    return enabled, default_on, targeted_on


def check(document: dict[str, Any], rule: FlagRule) -> tuple[list[str], list[str]]:
    """(violations, facts) for a flagd document under ``rule``."""
    flags = document.get("flags")
    if not isinstance(flags, dict):
        return ["the file has no 'flags' object (not a flagd definitions file)"], []
    problems: list[str] = []
    facts: list[str] = []
    for key in sorted(flags):
        flag = _obj(flags[key])
        meta = _obj(flag.get("metadata"))
        category = str(meta.get(rule.category_key, "")).lower()
        enabled, default_on, targeted_on = _state(flag)
        facts.append(
            f"{key}: {category or 'uncategorised'}, "
            + ("disabled" if not enabled else "on by default" if default_on else "off by default")
            + (", targeted on" if targeted_on else "")
        )
        if category == "risky":
            if rule.risky_default == "off" and (default_on or targeted_on):
                problems.append(f"{key}: a risky flag must be off by default in {rule.environment}")
            if rule.require_kill_switch and not _kill_switch(flag, meta, flags):
                problems.append(
                    f"{key}: a risky flag needs a kill switch (an off variant, or "
                    "metadata.kill_switch naming another flag)"
                )
        elif category == "experimental" and rule.experimental == "disabled":
            if default_on or targeted_on:
                problems.append(
                    f"{key}: an experimental flag must be disabled in {rule.environment}"
                )
        elif category == "beta":
            if rule.beta == "disabled" and (default_on or targeted_on):
                problems.append(f"{key}: beta flags are disabled in {rule.environment}")
            elif rule.beta == "segments_only" and default_on:
                problems.append(
                    f"{key}: a beta flag may be on only for targeted segments, not by default"
                )
    return problems, facts


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _kill_switch(flag: dict[str, Any], meta: dict[str, Any], flags: dict[str, Any]) -> bool:
    variants = _obj(flag.get("variants"))
    if any(not is_on(v) for v in variants.values()):
        return True
    other = meta.get("kill_switch")
    return isinstance(other, str) and other in flags


def evaluate(gate: FeatureFlagsGate, ctx: Context) -> CheckResult:
    path = gate.params.file
    rules = ctx.policy.flags.rules if ctx.policy.flags else []
    rule = next((r for r in rules if r.environment == ctx.environment), None)
    if rule is None:
        return result(
            gate,
            Outcome.NOT_APPLICABLE,
            f"the policy has no flag rules for {ctx.environment}",
        )
    text = (
        f"flags in {path} follow the {rule.environment} rules: risky default {rule.risky_default}, "
        f"experimental {rule.experimental}, beta {rule.beta}"
        + (", risky flags have a kill switch" if rule.require_kill_switch else "")
    )
    repo = ctx.facts.repo
    content = repo.files.get(path) if repo else None
    if content is None:
        return result(
            gate,
            Outcome.ERROR,
            f"{path} was not found in the candidate",
            rule=text,
            remediation="give --repo (the candidate's checkout) holding the flag file",
        )
    try:
        document = json.loads(content)
    except ValueError as exc:
        return result(
            gate,
            Outcome.ERROR,
            f"{path} is not JSON: {exc}",
            rule=text,
            remediation="fix the flag file",
        )
    if not isinstance(document, dict):
        return result(gate, Outcome.ERROR, f"{path} is not a JSON object", rule=text)
    problems, facts = check(document, rule)
    if problems:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(problems)} flag rule violation(s)",
            rule=text,
            facts=tuple(facts),
            reasons=tuple(problems),
            remediation="switch the flags named off by default in this environment",
        )
    return result(
        gate, Outcome.PASS, f"{len(facts)} flag(s) follow the rules", rule=text, facts=tuple(facts)
    )
