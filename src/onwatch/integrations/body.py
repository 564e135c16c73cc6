"""Decoding a request body and reading typed fields out of it, collecting every problem with its
JSON path (`payload.severity`, `alerts[2].labels`) so one answer lists them all."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import orjson

from onwatch.alerts.events import Image, Link
from onwatch.core.errors import FieldError, Invalid

# PagerDuty documents 512 KB as the Events API limit; the web layer answers 413 above it.
MAX_BODY_BYTES = 512 * 1024
# Deeper than any monitor nests its payload, and well inside what orjson writes back (254 levels)
# when the body is stored: orjson reads 1,024, the standard library a few less than that.
MAX_DEPTH = 64
_PADDING = 254 - MAX_DEPTH  # orjson.dumps gives up past 254 levels
# Python's limit for turning an integer into text (and back): one longer could not be stored.
MAX_INT_DIGITS = 4300
# Go's zero time.Time: Alertmanager and Grafana send it for "not set" (endsAt of a firing alert).
_GO_ZERO_YEAR = 1
_BOM = b"\xef\xbb\xbf"
# Digits as nines and braces as brackets: one copy of a body in which to look for long integers
# and count what opens an array or object.
_NINES_AND_BRACKETS = bytes.maketrans(b"012345678{", b"999999999[")
_LONG_DIGITS = b"9" * 19
_NUL_ESCAPE = b"\\u0000"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
NUL_MESSAGE = "must not contain a NUL character (\\u0000)"
_SURROGATE_MESSAGE = "holds half a surrogate pair (a \\u escape), not a character"
_TOO_DEEP = f"is nested more than {MAX_DEPTH} levels deep"


def parse_json(body: bytes) -> Any:
    """The decoded JSON value of `body`, or Invalid saying where it stops being JSON, or naming
    the first value that could not be stored: text with a NUL character (PostgreSQL has none)
    or half a surrogate pair, nesting deeper than MAX_DEPTH, NaN, Infinity, a number beyond a
    64-bit float (1e400), an integer of more than MAX_INT_DIGITS digits."""
    document = body[3:] if body[:3] == _BOM else body
    # orjson reads an integer beyond 64 bits as a float without a word; the standard library
    # keeps it exact. A run of 19 digits is the shortest that can be one (-9223372036854775809).
    shape = document.translate(_NINES_AND_BRACKETS)
    if _LONG_DIGITS not in shape:
        try:
            value = orjson.loads(document)
        except orjson.JSONDecodeError:
            pass
        else:
            # orjson refuses NaN, Infinity, 1e400 and lone surrogates (the standard library
            # below reads them), but not NUL nor 1,024 levels. Both tests are scans in C, and
            # nesting can be no deeper than the number of brackets: a single event is never
            # walked in Python, a batch only when it is too deep.
            texts = _NUL_ESCAPE in document
            if texts or (shape.count(b"[") > MAX_DEPTH and _is_too_deep(value)):
                _refuse_unstorable(value, texts=texts)
            return value
    # The standard library decides what orjson refuses and words the error, so answers stay
    # what they were before orjson.
    return _parse_json_with_stdlib(body)


def _parse_json_with_stdlib(body: bytes) -> Any:
    if not body.strip():
        raise Invalid("body is empty; expected a JSON document")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"body is not UTF-8 (byte {exc.start})") from None
    numbers = _Numbers()
    try:
        value = json.loads(
            text,
            parse_constant=numbers.constant,
            parse_float=numbers.real,
            parse_int=numbers.integer,
        )
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise Invalid(f"body {_TOO_DEEP}") from None
    # JSON's \u escapes can name half of a surrogate pair alone, which is no character, or
    # NUL, which PostgreSQL cannot store: such a string is refused here, with its path.
    texts = bool(_SURROGATE_ESCAPE.search(text)) or "\\u0000" in text
    if numbers.refused or texts or text.count("[") + text.count("{") > MAX_DEPTH:
        _refuse_unstorable(value, texts=texts)
    return value


class _Refused:
    """Stands where the standard library read a number that cannot be kept, until the walk
    over the decoded body finds its path."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _Numbers:
    """json.loads hooks that leave a _Refused where a number cannot be stored: NaN and Infinity
    (not JSON, yet Python reads them), 1e400 (beyond a float: infinity), and integers that
    Python cannot turn back into text."""

    def __init__(self) -> None:
        self.refused = False

    def constant(self, name: str) -> _Refused:
        self.refused = True
        return _Refused(f"holds {name}, which is not a JSON number")

    def real(self, text: str) -> float | _Refused:
        number = float(text)
        if math.isfinite(number):
            return number
        self.refused = True
        return _Refused(f"holds {text[:20]}, beyond what a 64-bit float holds")

    def integer(self, text: str) -> int | _Refused:
        digits = len(text) - text.startswith("-")
        if digits <= MAX_INT_DIGITS:
            return int(text)
        self.refused = True
        return _Refused(f"holds an integer of {digits} digits; at most {MAX_INT_DIGITS} are read")


def _is_too_deep(value: Any) -> bool:
    """Whether `value` nests deeper than MAX_DEPTH. orjson writes 254 levels at most, so it
    writes `value` inside _PADDING lists only if it nests no deeper: half the cost of a walk
    in Python (15 us for 50 Alertmanager alerts, as long as decoding them took)."""
    padded = value
    for _ in range(_PADDING):
        padded = [padded]
    try:
        orjson.dumps(padded)
    except orjson.JSONEncodeError:
        return True
    return False


def _refuse_unstorable(value: Any, *, texts: bool) -> None:
    """Invalid naming the first value in `value` that could not be stored; `texts`: whether
    strings may hold NUL or lone surrogates (only then are they looked at). Too deep a value is
    named by the first two steps of its path (`payload.custom_details`), not a hundred `[0]`s."""
    found = _unstorable_in(value, 0, texts)
    if found is None:
        return
    steps, message = found
    steps.reverse()
    path = ""
    for step in steps[:2] if message == _TOO_DEEP else steps:
        path = join_path(path, step)
    raise Invalid(message, path)


def _unstorable_in(value: Any, depth: int, texts: bool) -> tuple[list[str | int], str] | None:
    """What is wrong with the first value in `value` (at `depth`) that cannot be stored, and
    the steps of its path, last first; None if nothing is."""
    if isinstance(value, str):
        message = _text_problem(value) if texts else None
        return None if message is None else ([], message)
    if isinstance(value, _Refused):
        return [], value.message
    if not isinstance(value, dict | list):
        return None
    depth += 1
    if depth > MAX_DEPTH:
        return [], _TOO_DEEP
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for step, item in items:
        if texts and isinstance(step, str) and (message := _text_problem(step)) is not None:
            return [_printable(step)], message
        found = _unstorable_in(item, depth, texts)
        if found is not None:
            found[0].append(step)
            return found
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if _LONE_SURROGATE.search(text):
        return _SURROGATE_MESSAGE
    return None


def _printable(key: str) -> str:
    return key.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()


def join_path(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_instant(text: str) -> datetime | None:
    """An ISO-8601 instant in UTC; None if `text` is not one. A time without a zone is read as
    UTC, because senders that omit it (shell scripts, cron jobs) almost always mean UTC."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        return None


class BodyReader:
    """Reads fields of a decoded JSON body; each wrong field adds a FieldError and yields a
    neutral value, so parsing goes on and `raise_if_invalid` reports everything at once.

    Each read takes the object, the key and `at`, the path of the object ("" for the body,
    `alerts[2]`); the field's path is only built when there is a problem to report with it.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        # Alerts of one webhook often share their times (one rule evaluation, Go's zero time).
        self._instants: dict[str, datetime | None] = {}

    def problem(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def object(
        self, obj: dict[str, Any], key: str, at: str = "", *, required: bool = False
    ) -> dict:
        value = obj.get(key)
        if isinstance(value, dict):
            return value
        if value is not None:
            self.problem(join_path(at, key), f"must be an object, not {type_name(value)}")
        elif required:
            self.problem(join_path(at, key), "is required")
        return {}

    def array(self, obj: dict[str, Any], key: str, at: str = "", *, required: bool = False) -> list:
        value = obj.get(key)
        if isinstance(value, list):
            return value
        if value is not None:
            self.problem(join_path(at, key), f"must be an array, not {type_name(value)}")
        elif required:
            self.problem(join_path(at, key), "is required")
        return []

    def string(
        self,
        obj: dict[str, Any],
        key: str,
        at: str = "",
        *,
        required: bool = False,
        max_length: int | None = None,
        choices: Collection[str] | None = None,
    ) -> str:
        """The string at `key`, stripped of nothing; "" when absent. Blank counts as absent for
        `required`, because a blank summary or key is as useless as a missing one."""
        value = obj.get(key)
        if not isinstance(value, str):
            if value is not None:
                self.problem(join_path(at, key), f"must be a string, not {type_name(value)}")
            elif required:
                self.problem(join_path(at, key), "is required")
            return ""
        if not value:
            if required:
                self.problem(join_path(at, key), "is required")
            return ""
        if required and value.isspace():
            self.problem(join_path(at, key), "must not be blank")
            return ""
        if max_length is not None and len(value) > max_length:
            self.problem(
                join_path(at, key), f"must be at most {max_length} characters (got {len(value)})"
            )
            return ""
        if choices is not None and value not in choices:
            self.problem(join_path(at, key), f"must be one of {', '.join(choices)} (got {value!r})")
            return ""
        return value

    def instant(
        self, obj: dict[str, Any], key: str, at: str = "", *, required: bool = False
    ) -> datetime | None:
        """An ISO-8601 instant in UTC; None when absent or Go's zero time."""
        text = self.string(obj, key, at, required=required)
        if not text:
            return None
        try:
            instant = self._instants[text]
        except KeyError:
            instant = self._instants[text] = parse_instant(text)
        if instant is None:
            self.problem(join_path(at, key), f"must be an ISO-8601 date and time (got {text!r})")
            return None
        return None if instant.year == _GO_ZERO_YEAR else instant

    def string_map(self, obj: dict[str, Any], key: str, at: str = "") -> dict[str, str]:
        """A copy of the object at `key` whose values are all strings (labels, annotations)."""
        mapping = self.object(obj, key, at)
        for value in mapping.values():
            if not isinstance(value, str):
                break
        else:
            return dict(mapping)
        path = join_path(at, key)
        result: dict[str, str] = {}
        for name, value in mapping.items():
            if isinstance(value, str):
                result[name] = value
            else:
                self.problem(join_path(path, name), f"must be a string, not {type_name(value)}")
        return result

    def links(self, obj: dict[str, Any], key: str, at: str = "") -> tuple[Link, ...]:
        """`[{"href": …, "text": …}]` as PagerDuty defines it; a bare URL string is accepted."""
        result = []
        for path, index, item in self._items(obj, key, at):
            if isinstance(item, str) and item:
                result.append(Link(href=item))
            elif isinstance(item, dict):
                item_path = join_path(path, index)
                href = self.string(item, "href", item_path, required=True)
                text = self.string(item, "text", item_path)
                if href:
                    result.append(Link(href=href, text=text))
            else:
                self.problem(
                    join_path(path, index), f"must be an object with href, not {type_name(item)}"
                )
        return tuple(result)

    def images(self, obj: dict[str, Any], key: str, at: str = "") -> tuple[Image, ...]:
        """`[{"src": …, "href": …, "alt": …}]` as PagerDuty defines it."""
        result = []
        for path, index, item in self._items(obj, key, at):
            item_path = join_path(path, index)
            if not isinstance(item, dict):
                self.problem(item_path, f"must be an object with src, not {type_name(item)}")
                continue
            src = self.string(item, "src", item_path, required=True)
            href = self.string(item, "href", item_path)
            alt = self.string(item, "alt", item_path)
            if src:
                result.append(Image(src=src, href=href, alt=alt))
        return tuple(result)

    def _items(self, obj: dict[str, Any], key: str, at: str) -> list[tuple[str, int, Any]]:
        """(path of the array, index, item) for each item of an optional array field."""
        if obj.get(key) is None:  # most events carry none
            return []
        items = self.array(obj, key, at)
        path = join_path(at, key) if items else ""
        return [(path, index, item) for index, item in enumerate(items or ())]


def require_object(body: Any, what: str) -> dict[str, Any]:
    """`body` if it is a JSON object; Invalid naming the expected shape otherwise."""
    if not isinstance(body, dict):
        raise Invalid(f"body must be a JSON object ({what}), not {type_name(body)}")
    return body
