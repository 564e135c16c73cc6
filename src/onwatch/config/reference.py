"""The config-file reference, generated from the specs so it cannot drift from the code."""

from __future__ import annotations

import json
from typing import Any

from onwatch.config.document import NAME_RULE, VERSION
from onwatch.config.sections import Section, sections
from onwatch.core.naming import SLUG_PATTERN

COMMAND = "onwatch config reference > docs/config-reference.md"


def _title(ref: str) -> str:
    """`ContactMethodSpec` → `contact method`."""
    name = ref.rsplit("/", 1)[-1].removesuffix("Spec")
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


def _anchor(section: str, ref: str) -> str:
    return f"{section}-{_title(ref).replace(' ', '-')}"


def _type(schema: dict[str, Any], section: str) -> str:
    if "$ref" in schema:
        return f"[{_title(schema['$ref'])}](#{_anchor(section, schema['$ref'])})"
    if "anyOf" in schema:
        return " or ".join(_type(s, section) for s in schema["anyOf"] if s.get("type") != "null")
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), section)}"
    if kind == "object":
        values = schema.get("additionalProperties") or next(
            iter(schema.get("patternProperties", {}).values()), {}
        )
        if not isinstance(values, dict):  # `additionalProperties: true`: anything goes
            return "mapping"
        return f"map of name → {_type(values, section)}"
    if kind == "string":
        if schema.get("pattern") == SLUG_PATTERN:
            return "name"
        if schema.get("format") == "uri":
            return "URL"
        if "maxLength" in schema:
            return f"text (at most {schema['maxLength']})"
        return "text"
    return {"boolean": "true or false", "integer": "whole number", "number": "number"}.get(
        kind, str(kind)
    )


def _default(name: str, prop: dict[str, Any], required: set[str]) -> str:
    if name in required:
        return "required"
    if prop.get("default") is not None:
        return f"`{json.dumps(prop['default'])}`"
    return "empty" if prop.get("type") in ("array", "object") else "none"


def _table(schema: dict[str, Any], section: str) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        meaning = prop.get("description", "").replace("|", "\\|")
        lines.append(
            f"| `{name}` | {_type(prop, section)} | {_default(name, prop, required)} | {meaning} |"
        )
    return [*lines, ""]


def _section(section: Section) -> list[str]:
    schema = section.spec.model_json_schema()
    out = [f"## `{section.key}`", ""]
    if section.summary:
        out += [section.summary, ""]
    out += [
        f"A list; each item is one {section.kind}, identified by `{section.key_field}` "
        f"(unique in the section: `apply` matches stored {section.key} by it).",
        "",
        *_table(schema, section.key),
    ]
    for ref, sub in schema.get("$defs", {}).items():
        out += [f'<a id="{_anchor(section.key, ref)}"></a>', ""]
        out += [f"### {_title(ref)} (in `{section.key}`)", ""]
        if sub.get("description"):
            out += [sub["description"], ""]
        out += _table(sub, section.key)
    if section.example:
        out += ["Example:", "", "```yaml", section.example.rstrip(), "```", ""]
    return out


def markdown(known: list[Section] | None = None) -> str:
    known = known if known is not None else sections()
    out = [
        "# Config file reference",
        "",
        f"Generated from the code by `{COMMAND}`; do not edit by hand. How to use a config "
        "file (apply, prune, dry run, export, errors): [configuration.md](configuration.md).",
        "",
        f"A config file is YAML (or JSON) holding `version: {VERSION}` and any of the sections "
        "below, each a list. Sections are applied in this order, so a later one may name what "
        "an earlier one declares; anything named may also be already stored.",
        "",
        "Sections: " + " · ".join(f"[`{s.key}`](#{s.key})" for s in known),
        "",
        f"Where the type is **name** (handles, team, service and role names): {NAME_RULE}.",
        "",
    ]
    for section in known:
        out += _section(section)
    return "\n".join(out).rstrip() + "\n"
