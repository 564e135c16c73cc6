"""Reading a config file: YAML (or JSON) into validated specs, every problem with its place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from onwatch.config.sections import Section, sections
from onwatch.core.errors import FieldError, Invalid

VERSION = 1


@dataclass
class Document:
    """The specs of each section, by section key, in file order, with their file indexes."""

    items: dict[str, list[tuple[int, BaseModel]]] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def _path(prefix: str, loc: tuple[Any, ...]) -> str:
    text = prefix
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def parse_text(text: str, source: str = "config") -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else source
        raise Invalid(f"{error.problem or 'not valid YAML'}", where) from None
    except yaml.YAMLError as error:
        raise Invalid(f"not valid YAML: {error}", source) from None


def read(raw: Any, known: list[Section] | None = None) -> Document:
    """Validate a parsed file. Each item is checked on its own, so one bad item does not hide
    the problems of the others; references between items are checked later, by apply."""
    known = known if known is not None else sections()
    doc = Document()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise Invalid("the file must be a mapping of sections (people:, teams:, …)", "(top)")
    by_key = {s.key: s for s in known}
    for key in raw:
        if key != "version" and key not in by_key:
            doc.errors.append(
                FieldError(
                    str(key), "unknown section; expected one of " + ", ".join(["version", *by_key])
                )
            )
    version = raw.get("version", VERSION)
    if version != VERSION:
        doc.errors.append(FieldError("version", f"must be {VERSION}"))
    for section in known:
        values = raw.get(section.key) or []
        if not isinstance(values, list):
            doc.errors.append(FieldError(section.key, "must be a list"))
            continue
        adapter = TypeAdapter(section.spec)
        seen: dict[str, int] = {}
        items: list[tuple[int, BaseModel]] = []
        for i, value in enumerate(values):
            prefix = f"{section.key}[{i}]"
            try:
                spec = adapter.validate_python(value)
            except ValidationError as error:
                doc.errors += [
                    FieldError(_path(prefix, tuple(e["loc"])), e["msg"]) for e in error.errors()
                ]
                continue
            key = section.key_of(spec)
            if key in seen:
                doc.errors.append(
                    FieldError(
                        prefix, f"{key!r} is declared twice (first at {section.key}[{seen[key]}])"
                    )
                )
                continue
            seen[key] = i
            items.append((i, spec))
        doc.items[section.key] = items
    return doc


def dump(specs: dict[str, list[BaseModel]]) -> str:
    """YAML for the given specs, defaults left out, in section order."""
    body: dict[str, Any] = {"version": VERSION}
    for key, items in specs.items():
        if items:
            body[key] = [s.model_dump(mode="json", exclude_defaults=True) for s in items]
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
