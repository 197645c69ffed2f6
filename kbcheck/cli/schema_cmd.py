"""`kbcheck schema`: the JSON Schema of the article frontmatter, for editors with a YAML language
server (docs/authoring.md): each field's description and enum, the fields an article needs, and
the verifiers a `verify:` block can name with each one's parameters."""

from __future__ import annotations

import json
from typing import Any

import typer

from kbcheck.cli import app

# What the missing-metadata rule asks of a frontmatter article (a warning when left out).
REQUIRED = ("id", "title", "confidence", "created_date", "last_verified")
_JSON_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean"}


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of an article's frontmatter (descriptions, enums, required
    fields, and each verifier's parameters for verify: blocks)."""
    from verifiers import registry

    typer.echo(json.dumps(frontmatter_schema(registry()), indent=2))


def frontmatter_schema(verifiers: dict[str, Any]) -> dict[str, Any]:
    """The frontmatter's JSON Schema, with `verify:` blocks checked against `verifiers`."""
    from kbcheck.models import Frontmatter

    doc = _drop_null(Frontmatter.model_json_schema())
    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "title": "kbcheck article frontmatter", **doc}
    doc["required"] = list(REQUIRED)
    defs = doc["$defs"]
    defs["AtomicFact"]["required"] = ["statement"]  # an empty statement is an error
    defs["VerifySpec"] = _verify_schema(defs["VerifySpec"], verifiers)
    return doc


def _verify_schema(base: dict[str, Any], verifiers: dict[str, Any]) -> dict[str, Any]:
    """`verify:` with `verifier:` one of the ids, and `params:` the ones that verifier
    declares (type, default, bounds, choices, help)."""
    out = dict(base)
    out["properties"] = dict(base["properties"])
    out["properties"]["verifier"] = {**base["properties"]["verifier"],
                                     "enum": sorted(verifiers)}
    out["allOf"] = [
        {"if": {"properties": {"verifier": {"const": vid}}, "required": ["verifier"]},
         "then": {"properties": {"params": {
             "type": "object", "additionalProperties": False,
             "description": f"{v.title}: its parameters.",
             "properties": {p.name: _param(p) for p in v.params}}}}}
        for vid, v in sorted(verifiers.items())]
    return out


def _param(p: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": _JSON_TYPES.get(p.type.__name__, "string")}
    if p.help:
        spec["description"] = p.help
    if p.default is not None:
        spec["default"] = p.default
    if p.min is not None:
        spec["minimum"] = p.min
    if p.max is not None:
        spec["maximum"] = p.max
    if p.choices:
        spec["enum"] = list(p.choices)
    return spec


def _drop_null(node: Any) -> Any:
    """`anyOf: [X, null]` with a null default becomes X: an empty YAML value is what the
    loader reads as left out, and editors complete X's enum and type better on their own."""
    if isinstance(node, list):
        return [_drop_null(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: _drop_null(v) for k, v in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        kept = next(o for o in options if o != {"type": "null"})
        node = {**{k: v for k, v in node.items() if k not in ("anyOf", "default")}, **kept}
    return node
