"""Reading the text of a config file (YAML, or JSON) into plain data, keeping the line of every
value so that later errors can say where they are. Syntax errors raise Invalid with a line and
column; duplicate keys are collected, not silently overwritten."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from onwatch.core.errors import FieldError, Invalid


@dataclass
class Parsed:
    data: Any
    lines: dict[str, int] = field(default_factory=dict)  # `teams[2].tech_lead` → 17
    errors: list[FieldError] = field(default_factory=list)


def is_json(text: str, source: str) -> bool:
    """A `.json` file is JSON; so is anything else that starts with `{` (stdin, no extension).
    A `.yaml`/`.yml` file is always YAML."""
    name = source.lower()
    if name.endswith((".yaml", ".yml")):
        return False
    return name.endswith(".json") or text.lstrip().startswith("{")


def parse_text(text: str, source: str = "-") -> Parsed:
    return _json(text, source) if is_json(text, source) else _yaml(text, source)


def _where(source: str, line: int, column: int) -> str:
    place = f"line {line}, column {column}"
    return place if source in ("", "-") else f"{source}, {place}"


class _Loader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys instead of keeping the last one."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[tuple[Node, Any]] = []

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        self.duplicates.append((key_node, key))
                    seen.add(key)
                except TypeError:  # an unhashable key; SafeLoader reports it below
                    pass
        return super().construct_mapping(node, deep=deep)


def _key_text(node: Node) -> str:
    return str(node.value) if not isinstance(node.value, list) else "?"


def _record_lines(
    node: Node, path: str, lines: dict[str, int], line: int, seen: set[int] | None = None
) -> None:
    """A mapping value is placed on its key's line (`people:`), a list item on its own. A node
    reached again through an alias is not walked again (nested aliases would explode)."""
    lines.setdefault(path, line)
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            place = f"{path}.{key}" if path else key
            _record_lines(value_node, place, lines, key_node.start_mark.line + 1, seen)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, f"{path}[{i}]", lines, item.start_mark.line + 1, seen)


def _compose(text: str) -> tuple[Any, dict[str, int], _Loader]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is None:
            return None, lines, loader
        _record_lines(node, "", lines, node.start_mark.line + 1)
        return loader.construct_document(node), lines, loader
    finally:
        loader.dispose()


def _duplicates(loader: _Loader, source: str) -> list[FieldError]:
    return [
        FieldError(
            _where(source, node.start_mark.line + 1, node.start_mark.column + 1),
            f"key {key!r} appears twice in the same mapping",
        )
        for node, key in loader.duplicates
    ]


def _yaml(text: str, source: str) -> Parsed:
    try:
        data, lines, loader = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = _where(source, mark.line + 1, mark.column + 1) if mark else source
        problem = error.problem or "unreadable"
        if error.context:
            problem += f" ({error.context})"
        raise Invalid(f"not valid YAML: {problem}", where) from None
    except yaml.YAMLError as error:
        raise Invalid(f"not valid YAML: {error}", source) from None
    except RecursionError:
        raise Invalid("nested too deeply to be a config file", source) from None
    return Parsed(data, lines, _duplicates(loader, source))


def _json(text: str, source: str) -> Parsed:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key, value in items:
            if key in mapping:
                duplicates.append(key)
            mapping[key] = value
        return mapping

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        where = _where(source, error.lineno, error.colno)
        raise Invalid(f"not valid JSON: {error.msg}", where) from None
    except RecursionError:
        raise Invalid("nested too deeply to be a config file", source) from None
    try:
        # Valid JSON is (nearly always) valid YAML, which gives the line of every value.
        _, lines, loader = _compose(text)
    except (yaml.YAMLError, RecursionError):
        errors = [
            FieldError(source, f"key {key!r} appears twice in the same object")
            for key in duplicates
        ]
        return Parsed(data, {}, errors)
    return Parsed(data, lines, _duplicates(loader, source))
