"""``api_docs``: a change to the public API changes its schema, and breaking changes are named.

Rule 1: when the change touches a file under the policy's ``public_api`` globs, some file
under ``schemas`` must change too (the documentation moves with the code).

Rule 2: for OpenAPI schemas (YAML or JSON, 3.x or Swagger 2), the base and head versions are
compared. Breaking, as oasdiff's ``ERR`` level counts them:

- a path removed; an operation (method) removed;
- a field removed from a response body (``$ref`` within the document followed);
- a new required field in a request body, a new required parameter;
- an enum narrowed (a value removed) in a request body or parameter.

With ``breaking_requires_major`` a breaking change needs a major version bump over the
previous release tag (see :mod:`golive.core.gate.semver`). GraphQL schemas count for rule 1
only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from golive.core.gate import versions as semver
from golive.core.gate.context import Context, result
from golive.core.gate.globs import first_match
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import ApiDocsGate, SemverGate

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class SchemaDiff:
    path: str
    breaking: tuple[str, ...]
    error: str = ""


def load(text: str) -> dict[str, Any] | None:
    """An OpenAPI document as a mapping, or ``None`` when it is not one."""
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None
    if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
        return data
    return None


def diff_schemas(
    base: Mapping[str, str], head: Mapping[str, str], globs: Iterable[str]
) -> list[SchemaDiff]:
    """Compare every OpenAPI schema under ``globs`` present in base or head."""
    patterns = list(globs)
    out: list[SchemaDiff] = []
    for path in sorted(set(base) | set(head)):
        if first_match(patterns, path) is None or path.endswith(".graphql"):
            continue
        old = load(base[path]) if path in base else None
        if path in base and old is None:
            continue  # not OpenAPI at the base: nothing to compare against
        if path not in head:
            if old is not None:
                out.append(SchemaDiff(path, ("the schema file was removed",)))
            continue
        new = load(head[path])
        if new is None:
            out.append(SchemaDiff(path, (), "the head version is not an OpenAPI document"))
            continue
        if old is None:
            continue  # a new schema breaks nothing
        out.append(SchemaDiff(path, tuple(breaking(old, new))))
    return out


def breaking(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The breaking changes from ``old`` to ``new``, one sentence each."""
    found: list[str] = []
    old_paths = _dict(old.get("paths"))
    new_paths = _dict(new.get("paths"))
    for route in sorted(old_paths):
        if route not in new_paths:
            found.append(f"path {route} removed")
            continue
        old_item, new_item = _dict(old_paths[route]), _dict(new_paths[route])
        for method in METHODS:
            if method not in old_item:
                continue
            op = f"{method.upper()} {route}"
            if method not in new_item:
                found.append(f"operation {op} removed")
                continue
            found.extend(_operation(op, old, new, _dict(old_item[method]), _dict(new_item[method])))
    return found


def _operation(
    op: str,
    old_doc: dict[str, Any],
    new_doc: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any],
) -> list[str]:
    found: list[str] = []
    # parameters: new required ones, narrowed enums
    old_params = {(p.get("in"), p.get("name")): p for p in _params(old_doc, old)}
    for param in _params(new_doc, new):
        key = (param.get("in"), param.get("name"))
        before = old_params.get(key)
        if param.get("required") and (before is None or not before.get("required")):
            found.append(f"{op}: new required {key[0]} parameter '{key[1]}'")
        if before is not None:
            found.extend(
                f"{op}: {key[0]} parameter '{key[1]}' {d}"
                for d in _enums(
                    _resolve(old_doc, before.get("schema", {})),
                    _resolve(new_doc, param.get("schema", {})),
                    old_doc,
                    new_doc,
                    "",
                    0,
                )
            )
    # request body: new required fields, narrowed enums
    old_body = _body_schemas(old_doc, _resolve(old_doc, old.get("requestBody", {})))
    new_body = _body_schemas(new_doc, _resolve(new_doc, new.get("requestBody", {})))
    for mt, schema in new_body.items():
        before_schema = old_body.get(mt)
        if before_schema is None:
            continue
        found.extend(
            f"{op}: request {d}" for d in _required(before_schema, schema, old_doc, new_doc, "", 0)
        )
        found.extend(
            f"{op}: request {d}" for d in _enums(before_schema, schema, old_doc, new_doc, "", 0)
        )
    # responses: removed fields
    old_resp = _dict(old.get("responses"))
    new_resp = _dict(new.get("responses"))
    for code in sorted(old_resp, key=str):
        if not str(code).startswith("2") or code not in new_resp:
            continue
        before = _body_schemas(old_doc, _resolve(old_doc, old_resp[code]))
        after = _body_schemas(new_doc, _resolve(new_doc, new_resp[code]))
        for mt, schema in before.items():
            if mt in after:
                found.extend(
                    f"{op}: response {code} field {d}"
                    for d in _removed(schema, after[mt], old_doc, new_doc, "", 0)
                )
    return found


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _resolve(doc: dict[str, Any], node: object, depth: int = 0) -> dict[str, Any]:
    node = _dict(node)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and depth < _MAX_DEPTH:
        target: object = doc
        for part in ref[2:].split("/"):
            target = _dict(target).get(part.replace("~1", "/").replace("~0", "~"))
        return _resolve(doc, target, depth + 1)
    return node


def _params(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
    params = op.get("parameters")
    return [_resolve(doc, p) for p in params] if isinstance(params, list) else []


def _body_schemas(doc: dict[str, Any], body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    content = _dict(body.get("content"))
    if content:
        return {str(mt): _resolve(doc, _dict(v).get("schema")) for mt, v in content.items()}
    if "schema" in body:  # Swagger 2
        return {"*": _resolve(doc, body["schema"])}
    return {}


def _props(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    props = _dict(schema.get("properties"))
    items = schema.get("items")
    if not props and isinstance(items, dict):
        return _props(doc, _resolve(doc, items))
    return {str(k): _resolve(doc, v) for k, v in props.items()}


def _removed(
    old: dict[str, Any],
    new: dict[str, Any],
    od: dict[str, Any],
    nd: dict[str, Any],
    at: str,
    d: int,
) -> list[str]:
    if d > _MAX_DEPTH:
        return []
    before, after = _props(od, old), _props(nd, new)
    out: list[str] = []
    for name in sorted(before):
        path = f"{at}{name}"
        if name not in after:
            out.append(f"'{path}' removed")
        else:
            out.extend(_removed(before[name], after[name], od, nd, path + ".", d + 1))
    return out


def _required(
    old: dict[str, Any],
    new: dict[str, Any],
    od: dict[str, Any],
    nd: dict[str, Any],
    at: str,
    d: int,
) -> list[str]:
    if d > _MAX_DEPTH:
        return []
    was = {str(x) for x in _list(old.get("required"))}
    now = _list(new.get("required"))
    out = [f"new required field '{at}{n}'" for n in sorted(str(x) for x in now) if n not in was]
    before, after = _props(od, old), _props(nd, new)
    for name in sorted(set(before) & set(after)):
        out.extend(_required(before[name], after[name], od, nd, f"{at}{name}.", d + 1))
    return out


def _enums(
    old: dict[str, Any],
    new: dict[str, Any],
    od: dict[str, Any],
    nd: dict[str, Any],
    at: str,
    d: int,
) -> list[str]:
    if d > _MAX_DEPTH:
        return []
    out: list[str] = []
    if isinstance(old.get("enum"), list) and isinstance(new.get("enum"), list):
        gone = [v for v in old["enum"] if v not in new["enum"]]
        if gone:
            where = f"field '{at[:-1]}' " if at else ""
            out.append(f"{where}enum narrowed: {', '.join(map(str, gone))} removed")
    before, after = _props(od, old), _props(nd, new)
    for name in sorted(set(before) & set(after)):
        out.extend(_enums(before[name], after[name], od, nd, f"{at}{name}.", d + 1))
    return out


def evaluate(gate: ApiDocsGate, ctx: Context) -> CheckResult:
    p = gate.params
    rule = f"a change under {', '.join(p.public_api)} changes a schema ({', '.join(p.schemas)})"
    if p.breaking_requires_major:
        rule += "; a breaking OpenAPI change needs a major version bump"
    repo = ctx.facts.repo
    if repo is None or repo.changed is None:
        return result(
            gate,
            Outcome.ERROR,
            "the changed files are unknown",
            rule=rule,
            reasons=("golive needs the change's files to tell whether the API changed",),
            remediation="give --repo (a git checkout) and --base (the base revision)",
        )
    api = [f for f in repo.changed if first_match(p.public_api, f)]
    docs = [f for f in repo.changed if first_match(p.schemas, f)]
    facts = [
        f"changed files: {len(repo.changed)}",
        f"public API files changed: {', '.join(api[:10]) or 'none'}",
        f"schema files changed: {', '.join(docs[:10]) or 'none'}",
    ]
    if not api and not docs:
        return result(
            gate,
            Outcome.NOT_APPLICABLE,
            "the change does not touch the public API",
            rule=rule,
            facts=tuple(facts),
        )
    if api and not docs:
        return result(
            gate,
            Outcome.FAIL,
            "the public API changed but its schema did not",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(
                f"{f} changed; no file under {', '.join(p.schemas)} did" for f in api[:10]
            ),
            remediation="update the OpenAPI or GraphQL schema with the change",
        )
    diffs = diff_schemas(repo.base_files, repo.files, p.schemas)
    errors = [f"{d.path}: {d.error}" for d in diffs if d.error]
    broken = [f"{d.path}: {c}" for d in diffs for c in d.breaking]
    facts.append(f"breaking changes: {len(broken)}")
    if errors:
        return result(
            gate,
            Outcome.ERROR,
            "a schema could not be read",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(errors),
            remediation="fix the schema so it parses as OpenAPI",
        )
    if broken and p.breaking_requires_major:
        prefix = next(
            (g.params.tag_prefix for g in ctx.policy.gates if isinstance(g, SemverGate)), "v"
        )
        version = ctx.facts.candidate.version or next(
            (v for t in repo.tags if (v := semver.strip_prefix(t, prefix)) is not None), None
        )
        new = semver.parse(version.removeprefix(prefix)) if version else None
        prev_text = semver.strip_prefix(repo.previous_tag, prefix) if repo.previous_tag else None
        old = semver.parse(prev_text) if prev_text else None
        facts.append(f"version: {version or 'unknown'}; previous: {repo.previous_tag or 'none'}")
        if repo.previous_tag is None and repo.shallow:
            return result(
                gate,
                Outcome.ERROR,
                f"{len(broken)} breaking API change(s); the previous release cannot be found "
                "in a shallow clone",
                rule=rule,
                facts=tuple(facts),
                reasons=tuple(broken),
                remediation="check out the full history with tags (fetch-depth: 0)",
            )
        if new is None or (old is not None and not semver.is_major_bump(old, new)):
            return result(
                gate,
                Outcome.FAIL,
                f"{len(broken)} breaking API change(s) without a major version bump",
                rule=rule,
                facts=tuple(facts),
                reasons=tuple(broken),
                remediation="bump the major version, or keep the change backward compatible",
            )
    return result(
        gate,
        Outcome.PASS,
        "the schema changed with the API"
        + (f"; {len(broken)} breaking change(s) under a major bump" if broken else ""),
        rule=rule,
        facts=tuple(facts),
        reasons=tuple(broken),
    )
