"""``api_docs`` (OpenAPI breaking changes), ``config_scan`` (fences, mock data), flags."""

from __future__ import annotations

import json

import pytest
import yaml
from part2_support import one, policy, text_of

from golive.core.gate import Outcome, openapi
from golive.core.gate.sources import RepoFacts

BASE = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "parameters": [
                    {"name": "sort", "in": "query", "schema": {"enum": ["asc", "desc"]}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    }
                },
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "kind": {"enum": ["a", "b", "c"]},
                                    "note": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "created"}},
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/health": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "schemas": {
            "Item": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "owner": {"type": "object", "properties": {"name": {"type": "string"}}},
                },
            }
        }
    },
}


def _edit(path: list[str | int], value: object = None, delete: bool = False) -> dict:
    doc = json.loads(json.dumps(BASE))
    node = doc
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


POST_SCHEMA = ["paths", "/items", "post", "requestBody", "content", "application/json", "schema"]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (BASE, []),
        (_edit(["paths", "/health"], delete=True), ["path /health removed"]),
        (_edit(["paths", "/items", "delete"], delete=True), ["operation DELETE /items removed"]),
        (
            _edit(["components", "schemas", "Item", "properties", "id"], delete=True),
            ["GET /items: response 200 field 'id' removed"],
        ),
        (
            _edit(["components", "schemas", "Item", "properties", "owner", "properties"], {}),
            ["GET /items: response 200 field 'owner.name' removed"],
        ),
        (
            _edit([*POST_SCHEMA, "required"], ["name", "note"]),
            ["POST /items: request new required field 'note'"],
        ),
        (
            _edit([*POST_SCHEMA, "properties", "kind", "enum"], ["a", "b"]),
            ["POST /items: request field 'kind' enum narrowed: c removed"],
        ),
        (
            _edit(["paths", "/items", "get", "parameters", 0, "schema", "enum"], ["asc"]),
            ["GET /items: query parameter 'sort' enum narrowed: desc removed"],
        ),
        (
            _edit(
                ["paths", "/items", "get", "parameters"],
                [{"name": "page", "in": "query", "required": True}],
            ),
            ["GET /items: new required query parameter 'page'"],
        ),
        (_edit(["paths", "/new"], {"get": {"responses": {}}}), []),  # additions break nothing
        (_edit([*POST_SCHEMA, "properties", "kind", "enum"], ["a", "b", "c", "d"]), []),
    ],
    ids=[
        "same",
        "removed-path",
        "removed-operation",
        "removed-response-field",
        "removed-nested-field",
        "new-required-request-field",
        "narrowed-request-enum",
        "narrowed-parameter-enum",
        "new-required-parameter",
        "added-path",
        "widened-enum",
    ],
)
def test_openapi_breaking_changes_are_found_and_named(new: dict, expected: list[str]) -> None:
    assert openapi.breaking(BASE, new) == expected


API = policy(
    """
    environments:
      - id: production
    gates:
      - id: api
        type: api_docs
        params:
          public_api: ["src/routes/**"]
          schemas: ["**/openapi*.yaml"]
      - id: api-no-major
        type: api_docs
        params:
          public_api: ["src/routes/**"]
          schemas: ["**/openapi*.yaml"]
          breaking_requires_major: false
    """
)


def _repo(changed: tuple[str, ...], head: dict | None = None, tags: tuple[str, ...] = ()):
    head_text = yaml.safe_dump(head or BASE)
    return RepoFacts(
        changed=changed,
        tags=tags,
        previous_tag="v1.4.0",
        base_files={"api/openapi.yaml": yaml.safe_dump(BASE)},
        files={"api/openapi.yaml": head_text},
    )


BROKEN = _edit(["paths", "/health"], delete=True)


@pytest.mark.parametrize(
    ("gate", "repo", "outcome", "words"),
    [
        ("api", _repo(("README.md",)), Outcome.NOT_APPLICABLE, "does not touch"),
        ("api", _repo(("src/routes/a.ts",)), Outcome.FAIL, "its schema did not"),
        ("api", _repo(("src/routes/a.ts", "api/openapi.yaml")), Outcome.PASS, "schema changed"),
        (
            "api",
            _repo(("src/routes/a.ts", "api/openapi.yaml"), BROKEN, ("v1.5.0",)),
            Outcome.FAIL,
            "without a major version bump",
        ),
        (
            "api",
            _repo(("src/routes/a.ts", "api/openapi.yaml"), BROKEN, ("v2.0.0",)),
            Outcome.PASS,
            "under a major bump",
        ),
        (
            "api-no-major",
            _repo(("src/routes/a.ts", "api/openapi.yaml"), BROKEN, ("v1.5.0",)),
            Outcome.PASS,
            "path /health removed",
        ),
        ("api", RepoFacts(), Outcome.ERROR, "changed files are unknown"),
    ],
)
def test_api_docs_move_with_the_api_and_breaking_changes_need_a_major_bump(
    gate: str, repo: RepoFacts, outcome: Outcome, words: str
) -> None:
    check = one(API, gate, repo=repo)
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)


FENCES = policy(
    """
    environments:
      - id: prod
        data:
          allowed: [real]
          forbid_markers: [mock, fixture, "seed:small"]
        fences:
          - deny_environments: [labs]
            deny_hosts: ["*.internal.example"]
      - id: labs
        endpoints: ["labs.*", "*.labs.*"]
    gates:
      - id: fence
        type: config_scan
        environments: [prod]
        params: {paths: ["deploy/**", "**/.env.production"], data_markers: false}
      - id: data
        type: config_scan
        environments: [prod]
        params: {paths: ["deploy/**", "**/.env.production"], fences: false}
    """
)


@pytest.mark.parametrize(
    ("files", "gate", "outcome", "words"),
    [
        ({"deploy/app.yaml": "url: https://api.example.com\n"}, "fence", Outcome.PASS, "clean"),
        (
            {"deploy/app.yaml": "env:\n  - value: https://api.labs.example.com/v1\n"},
            "fence",
            Outcome.FAIL,
            "deploy/app.yaml:2: host api.labs.example.com matches *.labs.* (an endpoint of labs)",
        ),
        (
            {"svc/.env.production": "DB=db.internal.example:5432\n"},
            "fence",
            Outcome.FAIL,
            "svc/.env.production:1: host db.internal.example matches *.internal.example",
        ),
        (
            {"deploy/values.json": '{"seed": "seed:small", "db": "x"}'},
            "data",
            Outcome.FAIL,
            "deploy/values.json:1: mock-data marker 'seed:small'",
        ),
        (
            {"deploy/app.yaml": "# the mock server is gone\nimage: app\n"},
            "data",
            Outcome.PASS,
            "clean",
        ),
        ({"other/app.yaml": "mock: true\n"}, "data", Outcome.ERROR, "no file matches"),
    ],
)
def test_config_scan_finds_fenced_hosts_and_mock_data_markers(
    files: dict[str, str], gate: str, outcome: Outcome, words: str
) -> None:
    check = one(FENCES, gate, repo=RepoFacts(files=files), environment="prod")
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)


FLAGS = policy(
    """
    environments:
      - id: production
    flags:
      rules:
        - environment: production
          risky_default: "off"
          experimental: disabled
          beta: segments_only
          require_kill_switch: true
    gates:
      - id: flags
        type: feature_flags
        params: {file: flags/prod.flagd.json}
    """
)


def _flag(category: str, default: str = "off", state: str = "ENABLED", **extra: object) -> dict:
    return {
        "state": state,
        "variants": {"on": True, "off": False},
        "defaultVariant": default,
        "metadata": {"category": category},
        **extra,
    }


TARGET_ON = {"if": [{"in": ["beta", {"var": "segments"}]}, "on", "off"]}


@pytest.mark.parametrize(
    ("flag", "outcome", "words"),
    [
        (_flag("risky"), Outcome.PASS, ""),
        (_flag("risky", "on"), Outcome.FAIL, "risky flag must be off by default"),
        (_flag("risky", targeting=TARGET_ON), Outcome.FAIL, "off by default"),
        (
            {
                "state": "ENABLED",
                "variants": {"v1": "a", "v2": "b"},
                "defaultVariant": "v1",
                "metadata": {"category": "risky"},
            },
            Outcome.FAIL,
            "kill switch",
        ),
        (_flag("experimental", "on", state="DISABLED"), Outcome.PASS, ""),
        (_flag("experimental", "on"), Outcome.FAIL, "experimental flag must be disabled"),
        (_flag("beta", targeting=TARGET_ON), Outcome.PASS, ""),
        (_flag("beta", "on"), Outcome.FAIL, "targeted segments"),
    ],
)
def test_feature_flags_follow_the_environments_rules(
    flag: dict, outcome: Outcome, words: str
) -> None:
    files = {"flags/prod.flagd.json": json.dumps({"flags": {"new-renderer": flag}})}
    check = one(FLAGS, "flags", repo=RepoFacts(files=files))
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)


def test_a_missing_or_malformed_flag_file_is_an_error() -> None:
    assert one(FLAGS, "flags", repo=RepoFacts()).outcome is Outcome.ERROR
    bad = RepoFacts(files={"flags/prod.flagd.json": "{nope"})
    assert one(FLAGS, "flags", repo=bad).outcome is Outcome.ERROR
