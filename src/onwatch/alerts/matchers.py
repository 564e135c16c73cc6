"""Alertmanager-style label matchers (`=`, `!=`, `=~`, `!~`) used by routing rules, silences and
grouping: parsed from text such as `app=~"read.*"` or from objects, and matched against labels.

As in Alertmanager, a regex must match the whole value (it is anchored at both ends) and a
missing label matches as the empty string, so `team=""` selects alerts without a team. Regexes
are RE2's syntax, as Alertmanager's (Go's regexp) are, and run by RE2 in time linear in the
label's length: a pattern such as `(a+)+$`, which makes a backtracking engine take seconds per
alert, costs no more than any other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

import re2

from onwatch.core.errors import FieldError, Invalid

Op = Literal["=", "!=", "=~", "!~"]
OPS: tuple[Op, ...] = get_args(Op)
MAX_PATTERN = 1000


def _options(*, capture: bool, dot_nl: bool = False) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern to stderr
    options.never_capture = not capture
    options.dot_nl = dot_nl
    return options


# Read with RE2 too: with a backtracking engine the lazy value and the trailing spaces made
# reading a long text of spaces take time quadratic in its length.
_MATCHER = re2.compile(
    r"""^\s*(?P<name>"(?:[^"\\]|\\.)*"|[^\s=!~{}",]+)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*?)\s*$""",
    _options(capture=True, dot_nl=True),
)
_PATTERN = _options(capture=False)


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str
    _regex: Any = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise Invalid(f"operator must be one of {', '.join(OPS)} (got {self.op!r})")
        if not self.name:
            raise Invalid("label name must not be empty")
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", _compile(self.value))

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        assert self._regex is not None
        # Matched as UTF-8 bytes: the same answer, without the module mapping str offsets.
        found = self._regex.fullmatch(value.encode("utf-8", "surrogatepass")) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.name}{self.op}{json.dumps(self.value, ensure_ascii=False)}"


def matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches `labels`; an empty list matches everything."""
    return all(matcher.matches(labels) for matcher in matchers)


def parse_matcher(text: str, field: str = "") -> Matcher:
    """One matcher from text: `app=reader`, `app="reader"`, `env!~"dev|test"`. Quoted values
    take JSON escapes (`\\"`, `\\\\`). Invalid located at `field` when it cannot be read."""
    try:
        found = _MATCHER.match(text)
    except UnicodeEncodeError:  # half a surrogate pair, which no label can hold
        found = None
    if found is None:
        raise Invalid(
            f"cannot read {text!r} as a matcher; write name=value, name!=value, "
            'name=~"regex" or name!~"regex"',
            field=field,
        )
    try:
        name = _unquote(found["name"])
        value = _unquote(found["value"]) if found["value"].startswith('"') else found["value"]
        return Matcher(name, cast(Op, found["op"]), value)
    except Invalid as exc:
        raise _located(exc, field) from None


def parse_matchers(text: str, field: str = "") -> list[Matcher]:
    """Matchers from a selector such as `{app="reader", env=~"prod|staging"}` (braces optional);
    Invalid listing every matcher that cannot be read."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    parts = [part for part in _split_outside_quotes(inner) if part.strip()]
    return _collect(parts, parse_matcher, field)


def matcher_from_spec(spec: Any, field: str = "") -> Matcher:
    """A matcher from config or API input: a string (see parse_matcher), or an object either
    `{"name", "op", "value"}` or Alertmanager's `{"name", "value", "isRegex", "isEqual"}`."""
    if isinstance(spec, str):
        return parse_matcher(spec, field)
    if not isinstance(spec, dict):
        raise Invalid("a matcher must be a string or an object", field=field)
    name, value = spec.get("name"), spec.get("value")
    if not isinstance(name, str) or not isinstance(value, str):
        raise Invalid("a matcher object needs string name and value", field=field)
    if "op" in spec:
        op = spec["op"]
    else:
        is_regex, is_equal = spec.get("isRegex", False), spec.get("isEqual", True)
        if not isinstance(is_regex, bool) or not isinstance(is_equal, bool):
            raise Invalid("isRegex and isEqual must be booleans", field=field)
        op = {(False, True): "=", (False, False): "!=", (True, True): "=~"}.get(
            (is_regex, is_equal), "!~"
        )
    try:
        return Matcher(name, cast(Op, op), value)
    except Invalid as exc:
        raise _located(exc, field) from None


def matchers_from_specs(specs: Iterable[Any], field: str = "") -> list[Matcher]:
    """matcher_from_spec for each item; Invalid listing every bad item as `field[i]`."""
    return _collect(list(specs), matcher_from_spec, field)


def _collect(items: list[Any], read: Callable[[Any, str], Matcher], field: str) -> list[Matcher]:
    result: list[Matcher] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        try:
            result.append(read(item, f"{field}[{index}]"))
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(errors)
    return result


def _compile(pattern: str) -> Any:
    """RE2's program for `pattern`, or Invalid saying what RE2 refused in it (lookarounds and
    backreferences, which need backtracking, among others)."""
    if len(pattern) > MAX_PATTERN:
        raise Invalid(f"regular expression is longer than {MAX_PATTERN} characters")
    try:
        # Wrapped as Alertmanager wraps it (`^(?:…)$`), so `a|b` is anchored as a whole.
        return re2.compile(f"(?:{pattern})", _PATTERN)
    except re2.error as wrapped:
        problem = _problem(pattern) or _decoded(wrapped)
    except UnicodeEncodeError:
        problem = "it contains half of a surrogate pair"
    raise Invalid(
        f"invalid regular expression {pattern!r}: {problem} (RE2 syntax, as in Alertmanager)"
    )


def _problem(pattern: str) -> str | None:
    """What RE2 says of the pattern as written, so the message quotes the person's own text."""
    try:
        re2.compile(pattern, _PATTERN)
    except re2.error as exc:
        return _decoded(exc)
    return None


def _decoded(error: Exception) -> str:
    detail = error.args[0] if error.args else ""
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    what, _, where = text.partition(": ")
    return f"{what} at {where!r}" if where else what


def _unquote(text: str) -> str:
    if not text.startswith('"'):
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise Invalid(f"badly quoted {text!r}") from None
    if not isinstance(value, str):
        raise Invalid(f"badly quoted {text!r}")
    return value


def _located(exc: Invalid, field: str) -> Invalid:
    return Invalid([FieldError(field or e.field, e.message) for e in exc.errors])


def _split_outside_quotes(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
