"""Checking a parsed config file against the specs of each section, every problem named by its
place (`teams[2].tech_lead`) and line, and writing specs back out as YAML."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from onwatch.config.parsing import parse_text
from onwatch.config.sections import Section, sections
from onwatch.core.errors import FieldError
from onwatch.core.naming import SLUG_PATTERN

VERSION = 1
NAME_RULE = "use 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"


@dataclass
class Document:
    """The specs of each section, by section key, in file order, with their file indexes."""

    items: dict[str, list[tuple[int, BaseModel]]] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    lines: Mapping[str, int] = field(default_factory=dict)
    # Items the file declares but that have errors, by (kind, key): where they are. A reference
    # to one of them then says so instead of only "no person 'ann'".
    broken: dict[tuple[str, str], str] = field(default_factory=dict)


def load(text: str, source: str = "-", known: list[Section] | None = None) -> Document:
    """Parse and check the text of a config file. Raises Invalid only when it is not YAML or
    JSON at all; every other problem is collected in `Document.errors`."""
    parsed = parse_text(text, source)
    doc = read(parsed.data, known, lines=parsed.lines)
    doc.errors = parsed.errors + doc.errors
    return doc


def read(
    raw: Any, known: list[Section] | None = None, *, lines: Mapping[str, int] | None = None
) -> Document:
    """Validate parsed data. Each item is checked on its own, so one bad item does not hide
    the problems of the others; references between items are checked later, by apply."""
    known = known if known is not None else sections()
    doc = Document(lines=lines if lines is not None else {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        doc.errors.append(
            FieldError("(file)", "must be a mapping of sections (version:, people:, teams:, …)")
        )
        return doc
    by_key = {s.key: s for s in known}
    for key in raw:
        if key != "version" and key not in by_key:
            expected = ", ".join(["version", *by_key])
            doc.errors.append(FieldError(str(key), f"unknown section; expected one of {expected}"))
    version = raw.get("version", VERSION)
    if version != VERSION:
        doc.errors.append(FieldError("version", f"must be {VERSION}, got {_described(version)}"))
    for section in known:
        values = raw.get(section.key)
        if values is None:
            values = []
        if not isinstance(values, list):
            doc.errors.append(
                FieldError(section.key, f"must be a list of items, got {_described(values)}")
            )
            continue
        doc.items[section.key] = _read_items(section, values, doc)
    return doc


def _read_items(section: Section, values: list[Any], doc: Document) -> list[tuple[int, BaseModel]]:
    adapter = TypeAdapter(section.spec)
    seen: dict[str, int] = {}
    items: list[tuple[int, BaseModel]] = []
    for i, value in enumerate(values):
        prefix = f"{section.key}[{i}]"
        try:
            spec = adapter.validate_python(value)
        except ValidationError as error:
            doc.errors += [_field_error(prefix, section.spec, e) for e in error.errors()]
            if isinstance(value, dict) and isinstance(value.get(section.key_field), str):
                doc.broken.setdefault((section.kind, value[section.key_field]), prefix)
            continue
        key = section.key_of(spec)
        if key in seen:
            first = f"{section.key}[{seen[key]}]"
            doc.errors.append(FieldError(prefix, f"{key!r} is declared twice (first at {first})"))
            continue
        seen[key] = i
        items.append((i, spec))
    return items


def _path(prefix: str, loc: tuple[Any, ...]) -> str:
    text = prefix
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _described(value: Any) -> str:
    """A value as YAML would name it, for 'got …' in messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return repr(value)
    return f"{type(value).__name__} {value!s}"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        model = _model_in(arg)
        if model is not None:
            return model
    return None


def _fields_at(spec: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the (nested) spec that holds the value at `loc`."""
    current: Any = spec
    for part in loc:
        model = _model_in(current)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            current = model.model_fields[part].annotation
    model = _model_in(current)
    return list(model.model_fields) if model else []


def _message(spec: type[BaseModel], error: ErrorDetails) -> str:
    kind, value, loc = error["type"], error.get("input"), tuple(error["loc"])
    got = _described(value)
    if kind == "extra_forbidden":
        expected = _fields_at(spec, loc[:-1])
        return "unknown field" + (f"; expected one of {', '.join(expected)}" if expected else "")
    if kind == "missing":
        return "required, but missing"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == SLUG_PATTERN:
        return f"{got} is not a valid name: {NAME_RULE}"
    simple = {
        "string_type": "must be text",
        "list_type": "must be a list",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "dict_type": "must be a mapping (key: value)",
        "model_type": "must be a mapping (key: value)",
        "model_attributes_type": "must be a mapping (key: value)",
        "url_parsing": "must be a URL such as https://example.org/runbook",
        "url_type": "must be a URL such as https://example.org/runbook",
        "url_scheme": "must be an http or https URL",
    }
    if kind in simple:
        return f"{simple[kind]}, got {got}"
    message = error["msg"].removeprefix("Value error, ")
    message = re.sub(r"^(Input|String|Value|List) should", "must", message)
    if kind == "literal_error":
        message += f", got {got}"
    return message


def _field_error(prefix: str, spec: type[BaseModel], error: ErrorDetails) -> FieldError:
    loc = tuple(error["loc"])
    if loc and loc[-1] == "[key]":  # a bad key of a mapping, such as a role name
        return FieldError(_path(prefix, loc[:-2]), "key " + _message(spec, error))
    return FieldError(_path(prefix, loc), _message(spec, error))


def line_of(place: str, lines: Mapping[str, int]) -> int | None:
    """The line of `place`, or of the nearest enclosing value the file does have."""
    while place:
        if place in lines:
            return lines[place]
        cut = max(place.rfind("."), place.rfind("["))
        if cut <= 0:
            return None
        place = place[:cut]
    return None


def explained(errors: list[FieldError], broken: dict[tuple[str, str], str]) -> list[FieldError]:
    """Reference errors ("no team 'core'") that name an item the file declares with errors
    point at it, so the reader fixes the cause rather than hunting for the name."""
    out = []
    for error in errors:
        found = re.fullmatch(r"no (\w+) '(.+)'", error.message)
        where = broken.get((found.group(1), found.group(2))) if found else None
        if where:
            error = FieldError(
                error.field, f"{error.message}; {where} declares it but has errors of its own"
            )
        out.append(error)
    return out


def located(errors: list[FieldError], lines: Mapping[str, int]) -> list[FieldError]:
    """The errors with their line appended, in file order (errors without a line first)."""
    placed = [(line_of(e.field, lines), e) for e in errors]
    placed.sort(key=lambda pair: pair[0] or 0)
    return [FieldError(e.field, f"{e.message} (line {line})") if line else e for line, e in placed]


def dump(specs: dict[str, list[BaseModel]]) -> str:
    """YAML for the given specs, defaults left out, in section order."""
    body: dict[str, Any] = {"version": VERSION}
    for key, items in specs.items():
        if items:
            body[key] = [s.model_dump(mode="json", exclude_defaults=True) for s in items]
    # libyaml's emitter writes the same text as PyYAML's, several times faster.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(body, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
