"""Which issue an event belongs to: a hash of what identifies its problem, with the reason in
words (docs/errors.md, "Grouping"). Pure. Changing what is hashed changes VERSION."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

VERSION = 1
DEFAULT = "{{ default }}"
_VALUE_CAP = 1024
# Variable parts of messages and exception values, most specific first.
_H = "[0-9a-fA-F]"
_NORMALISE = [
    (re.compile(rf"\b{_H}{{8}}-?{_H}{{4}}-?{_H}{{4}}-?{_H}{{4}}-?{_H}{{12}}\b"), "<uuid>"),
    (re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b"), "<email>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), "<hex>"),
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "<int>"),
]  # fmt: skip


@dataclass(frozen=True)
class Grouping:
    fingerprint: str  # the hash an issue is keyed by
    reason: str  # why, in words, as the issue page shows it
    components: tuple[str, ...]


def group(event: dict[str, Any]) -> Grouping:
    """The grouping of `event` (a Sentry event payload): its explicit `fingerprint` first (with
    `{{ default }}` standing for the default grouping); by default the in-app frames of the
    innermost exception with its type, else all its frames, else its type and normalised value,
    else the parameterised message."""
    default_components, default_reason = _default(event)
    explicit = event.get("fingerprint")
    if isinstance(explicit, list) and explicit and all(isinstance(p, str) for p in explicit):
        components: list[str] = []
        for part in explicit[:32]:
            if part.strip() == DEFAULT:
                components.extend(default_components)
            else:
                components.append(part[:_VALUE_CAP])
        shown = ", ".join(p if p.strip() != DEFAULT else "{{ default }}" for p in explicit[:8])
        reason = f"grouped by fingerprint [{shown}]"
        if any(p.strip() == DEFAULT for p in explicit):
            reason += f", where {{{{ default }}}} is: {default_reason}"
        return _grouping(["fingerprint", *components], reason)
    return _grouping(default_components, default_reason)


def title_of(event: dict[str, Any]) -> str:
    exception = _problem(event)
    if exception is not None:
        kind = _text(exception.get("type")) or "Error"
        value = _text(exception.get("value"))
        return (f"{kind}: {value}" if value else kind)[:300]
    return (message_of(event) or "<no message>")[:300]


def culprit_of(event: dict[str, Any]) -> str:
    """Where it happened: the transaction, else the innermost in-app (else any) frame."""
    transaction = _text(event.get("transaction"))
    if transaction:
        return transaction[:300]
    exception = innermost_exception(event)
    frames = _frames(exception) if exception is not None else []
    chosen = [f for f in frames if f.get("in_app") is True] or frames
    if not chosen:
        return ""
    return _frame_text(chosen[-1])[:300]


def innermost_exception(event: dict[str, Any]) -> dict[str, Any] | None:
    """The exception raised last: Sentry lists a chain oldest first."""
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else exception
    if not isinstance(values, list):
        return None
    found = [v for v in values if isinstance(v, dict)]
    return found[-1] if found else None


def message_of(event: dict[str, Any]) -> str:
    """The message template: logentry.message (params left out), else the formatted text."""
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        text = _text(logentry.get("message")) or _text(logentry.get("formatted"))
        if text:
            return text
    message = event.get("message")
    if isinstance(message, dict):
        return _text(message.get("message")) or _text(message.get("formatted"))
    return _text(message)


def normalise(value: str) -> str:
    value = value[:_VALUE_CAP]
    for pattern, replacement in _NORMALISE:
        value = pattern.sub(replacement, value)
    return value


def _problem(event: dict[str, Any]) -> dict[str, Any] | None:
    """The innermost exception, unless it is the synthetic one a JavaScript SDK attaches to a
    message (attachStacktrace, on by default in @sentry/node): that stack says where the message
    was logged, so the event is a message, titled and grouped by its text."""
    exception = innermost_exception(event)
    if exception is None or _text(exception.get("type")) or not message_of(event):
        return exception
    mechanism = exception.get("mechanism")
    is_synthetic = isinstance(mechanism, dict) and mechanism.get("synthetic") is True
    return None if is_synthetic else exception


def _default(event: dict[str, Any]) -> tuple[list[str], str]:
    exception = _problem(event)
    if exception is not None:
        kind = _text(exception.get("type")) or "Error"
        frames = _frames(exception)
        in_app = [f for f in frames if f.get("in_app") is True]
        chosen = in_app or frames
        if chosen:
            parts = [_frame_text(f) for f in chosen]
            which = "in-app frames" if in_app else "stack frames (none in app)"
            return (
                ["frames", kind, *parts],
                f"grouped by {kind} at {which}: {_listed(parts)}",
            )
        value = normalise(_text(exception.get("value")))
        return (
            ["exception", kind, value],
            f"grouped by exception type and normalised value: {kind}: {value}"[:500],
        )
    message = normalise(message_of(event))
    if message:
        return ["message", message], f"grouped by message: {message}"[:500]
    return ["nothing"], "grouped with every event that has no exception or message"


def _frames(exception: dict[str, Any]) -> list[dict[str, Any]]:
    stacktrace = exception.get("stacktrace")
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    return [f for f in frames if isinstance(f, dict)] if isinstance(frames, list) else []


def _frame_text(frame: dict[str, Any]) -> str:
    """A frame as grouping sees it: module (else file name) and function, never a line."""
    where = _text(frame.get("module")) or _text(frame.get("filename")) or "?"
    function = _text(frame.get("function")) or "?"
    return f"{where} in {function}"


def _listed(parts: list[str]) -> str:
    """Innermost first, the way people read a trace for its culprit; at most five."""
    shown = list(reversed(parts))[:5]
    more = len(parts) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _grouping(components: list[str], reason: str) -> Grouping:
    digest = hashlib.sha256(f"v{VERSION}".encode())
    for part in components:
        digest.update(b"\x00" + part.encode("utf-8", "surrogatepass"))
    return Grouping(digest.hexdigest()[:32], reason, tuple(components))
