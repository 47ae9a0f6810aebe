"""The JSON Schema of the policy language, generated from the model."""

from __future__ import annotations

from typing import Any

from golive import __version__
from golive.core.policy.model import API_VERSION, Policy


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for ``apiVersion: golive/v1`` policy files."""
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://golive.dev/schema/{API_VERSION}/policy.json"
    schema["title"] = f"golive policy ({API_VERSION})"
    schema["description"] = (
        "A Definition of Production as one policy file. Generated from golive "
        f"{__version__.split('+')[0]}'s model; do not edit by hand."
    )
    return schema
