"""Reading the text of a config file (YAML, or JSON) into plain data, keeping the line of every
value so that later errors can say where they are. Syntax errors raise Invalid with a line and
column; duplicate keys are collected, not silently overwritten."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from onwatch.core.errors import FieldError, Invalid


@dataclass
class Parsed:
    data: Any
    lines: Mapping[str, int] = field(default_factory=dict)  # `teams[2].tech_lead` → 17
    errors: list[FieldError] = field(default_factory=list)


class Lines(Mapping[str, int]):
    """The line of every value, worked out when first asked for: only a file with mistakes
    needs them, and a file of thousands of items has hundreds of thousands of values."""

    def __init__(self, work_out: Callable[[], dict[str, int]]) -> None:
        self._work_out: Callable[[], dict[str, int]] | None = work_out
        self._lines: dict[str, int] = {}

    def _all(self) -> dict[str, int]:
        if self._work_out is not None:
            self._lines, self._work_out = self._work_out(), None
        return self._lines

    def __getitem__(self, place: str) -> int:
        return self._all()[place]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


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


class _RecordsDuplicates:
    """A safe loader that records duplicate mapping keys instead of keeping the last one."""

    duplicates: list[tuple[Node, Any]]

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


class _Loader(_RecordsDuplicates, yaml.SafeLoader):
    """Pure Python: its messages for a broken file are the ones users see."""


class _FastLoader(_RecordsDuplicates, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser (several times faster on a file of thousands of items); a file it
    refuses is read again by _Loader for the message."""


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


def _lines_of(node: Node | None) -> dict[str, int]:
    lines: dict[str, int] = {}
    if node is not None:
        _record_lines(node, "", lines, node.start_mark.line + 1)
    return lines


STR, SEQ, MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
KEYS_TO_EXPAND = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}  # `<<: *defaults`


def _construct(loader: Any, node: Node, built: dict[int, Any]) -> Any:
    """What the loader would make of `node`, built directly for what config files hold (text,
    lists, mappings; each node once, however many aliases name it), without the loader's
    machinery per value. Other values, tags and merge keys are left to the loader."""
    if id(node) in built:
        return built[id(node)]
    if isinstance(node, ScalarNode):
        return node.value if node.tag == STR else loader.construct_object(node, deep=True)
    if isinstance(node, SequenceNode) and node.tag == SEQ:
        items: list[Any] = []
        built[id(node)] = items
        items.extend([_construct(loader, item, built) for item in node.value])
        return items
    if isinstance(node, MappingNode) and node.tag == MAP:
        mapping: dict[Any, Any] = {}
        built[id(node)] = mapping
        for key_node, value_node in node.value:
            if key_node.tag in KEYS_TO_EXPAND:
                return loader.construct_object(node, deep=True)
            key = _construct(loader, key_node, built)
            try:
                if key in mapping:
                    loader.duplicates.append((key_node, key))
            except TypeError:  # an unhashable key: the loader says so, with its place
                return loader.construct_object(node, deep=True)
            mapping[key] = _construct(loader, value_node, built)
        return mapping
    return loader.construct_object(node, deep=True)


def _compose(
    text: str, kind: type[_RecordsDuplicates] = _FastLoader
) -> tuple[Any, Node | None, _RecordsDuplicates]:
    loader: Any = kind(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else _construct(loader, node, {})
        return data, node, loader
    finally:
        loader.dispose()


def _duplicates(loader: _RecordsDuplicates, source: str) -> list[FieldError]:
    return [
        FieldError(
            _where(source, node.start_mark.line + 1, node.start_mark.column + 1),
            f"key {key!r} appears twice in the same mapping",
        )
        for node, key in loader.duplicates
    ]


def _yaml(text: str, source: str) -> Parsed:
    try:
        data, node, loader = _compose(text)
    except (yaml.YAMLError, RecursionError):
        return _yaml_slowly(text, source)
    return Parsed(data, Lines(lambda: _lines_of(node)), _duplicates(loader, source))


def _yaml_slowly(text: str, source: str) -> Parsed:
    try:
        data, node, loader = _compose(text, _Loader)
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
    return Parsed(data, _lines_of(node), _duplicates(loader, source))


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
    if not duplicates:
        return Parsed(data, Lines(lambda: _json_lines(text)))
    try:
        # Valid JSON is (nearly always) valid YAML, which gives the place of every key.
        _, node, loader = _compose(text)
    except (yaml.YAMLError, RecursionError):
        errors = [
            FieldError(source, f"key {key!r} appears twice in the same object")
            for key in duplicates
        ]
        return Parsed(data, {}, errors)
    return Parsed(data, _lines_of(node), _duplicates(loader, source))


def _json_lines(text: str) -> dict[str, int]:
    """Valid JSON is (nearly always) valid YAML, which gives the line of every value."""
    try:
        _, node, _ = _compose(text)
    except (yaml.YAMLError, RecursionError):
        return {}
    return _lines_of(node)
