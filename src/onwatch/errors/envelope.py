"""The Sentry wire format, read: request bodies decompressed under a hard cap, envelopes split into
items, the auth header parsed. Pure: bytes in, values or errors out."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from onwatch.core.errors import Invalid, OnwatchError, Unauthorized

# What each item type gets: processed into issues, or counted (later work: release health,
# attachments, cron monitors). Any other type is skipped, and counted under its own name.
PROCESSED = frozenset({"event"})
COUNTED = frozenset(
    {"transaction", "session", "sessions", "attachment", "check_in", "client_report"}
)
_CHUNK = 64 * 1024
_NUL_ESCAPE = b"\\u0000"


class TooLarge(OnwatchError):
    """A body (or what it decompresses to) over the limit: 413."""

    code = "too_large"


class UnsupportedEncoding(OnwatchError):
    code = "unsupported_encoding"


@dataclass(frozen=True)
class Item:
    type: str
    headers: dict[str, Any]
    payload: bytes


@dataclass(frozen=True)
class Envelope:
    headers: dict[str, Any]
    items: list[Item] = field(default_factory=list)


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """`body` decoded by its Content-Encoding (gzip, deflate or none), never producing more than
    `limit` bytes: decompression stops, and TooLarge is raised, as soon as output passes it, so a
    bomb costs at most `limit` bytes of memory and the time to produce them."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        if len(body) > limit:
            raise TooLarge(f"body: larger than {limit} bytes")
        return body
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        # RFC 9110's deflate is zlib-wrapped; some clients send raw deflate.
        wbits = zlib.MAX_WBITS if body[:1] == b"\x78" else -zlib.MAX_WBITS
    else:
        raise UnsupportedEncoding(f"Content-Encoding {encoding!r}: gzip or deflate only")
    decoder = zlib.decompressobj(wbits)
    out: list[bytes] = []
    size = 0
    data = body
    try:
        while data:
            chunk = decoder.decompress(data, min(_CHUNK, limit + 1 - size))
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"body: decompresses to more than {limit} bytes")
            out.append(chunk)
            data = decoder.unconsumed_tail
            if decoder.eof:
                # A gzip body may be several members, one after another (RFC 1952 2.2), each
                # read in turn under the same cap; what follows a deflate stream is ignored.
                data = decoder.unused_data if wbits > zlib.MAX_WBITS else b""
                if data:
                    decoder = zlib.decompressobj(wbits)
        if not decoder.eof:
            raise Invalid(f"truncated {encoding} data", "body")
    except zlib.error as error:
        raise Invalid(f"not valid {encoding} data ({error})", "body") from None
    return b"".join(out)


def parse_envelope(body: bytes) -> Envelope:
    """Split an envelope: a JSON header line, then items, each a JSON header line and a payload
    of `length` bytes (followed by a newline or the end) or, without a length, up to the next
    newline. A length that runs past the body or is not followed by a newline is refused,
    naming the item, rather than read as something else."""
    headers, position = _json_line(body, 0, "envelope header")
    items: list[Item] = []
    while position < len(body):
        if body[position : position + 1] == b"\n":  # blank lines between items
            position += 1
            continue
        index = len(items)
        item_headers, position = _json_line(body, position, f"items[{index}] header")
        kind = item_headers.get("type")
        where = f"items[{index}]"
        if not isinstance(kind, str) or not kind:
            raise Invalid("an item header needs a type", f"{where}.type")
        where = f"items[{index}] ({kind[:32]})"
        length = item_headers.get("length")
        if length is None:
            end = body.find(b"\n", position)
            end = len(body) if end < 0 else end
            payload, position = body[position:end], end + 1
        else:
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise Invalid("length must be a whole number of bytes", f"{where}.length")
            end = position + length
            if end > len(body):
                raise Invalid(f"length {length} runs past the end of the body", f"{where}.length")
            if end < len(body) and body[end : end + 1] != b"\n":
                raise Invalid(f"length {length} is not followed by a newline", f"{where}.length")
            payload, position = body[position:end], end + 1
        items.append(Item(kind, item_headers, payload))
    return Envelope(headers, items)


def event_envelope(body: bytes) -> Envelope:
    """The /store/ endpoint's body, a bare event, as an envelope of one event item."""
    event = json_payload(body, "body")
    headers = {"event_id": event["event_id"]} if isinstance(event.get("event_id"), str) else {}
    return Envelope(headers, [Item("event", {"type": "event"}, body)])


def json_payload(payload: bytes, where: str) -> dict[str, Any]:
    """A JSON object. NUL characters (which PostgreSQL cannot store) become U+FFFD: an SDK may
    well send one in an exception's value, and the event is worth more than that character."""
    if _NUL_ESCAPE in payload:
        payload = payload.replace(_NUL_ESCAPE, b"\\ufffd")
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise Invalid(f"not JSON ({error})", where) from None
    if not isinstance(value, dict):
        raise Invalid("must be a JSON object", where)
    return value


def sentry_key(auth_header: str, query_key: str | None) -> str:
    """The public key of `X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7, …`, else of the
    `sentry_key` query parameter."""
    scheme, _, rest = auth_header.strip().partition(" ")
    if scheme.lower() == "sentry" or "sentry_key=" in auth_header:
        for part in (rest if scheme.lower() == "sentry" else auth_header).split(","):
            name, _, value = part.strip().partition("=")
            if name.strip() == "sentry_key" and value.strip():
                return value.strip()
    if query_key:
        return query_key
    raise Unauthorized("a DSN public key is required: X-Sentry-Auth or ?sentry_key=")


def dsn_key(envelope_headers: dict[str, Any]) -> str | None:
    """The public key of an envelope header's `dsn` (browser SDKs behind a tunnel send it)."""
    dsn = envelope_headers.get("dsn")
    if not isinstance(dsn, str) or "://" not in dsn:
        return None
    userinfo = dsn.split("://", 1)[1].split("@", 1)
    return userinfo[0].split(":", 1)[0] or None if len(userinfo) == 2 else None


def client_report_drops(payload: dict[str, Any]) -> int:
    """The events a client_report says the SDK dropped (discarded_events quantities)."""
    total = 0
    for entry in payload.get("discarded_events") or ():
        quantity = entry.get("quantity") if isinstance(entry, dict) else None
        if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0:
            total += quantity
    return total


def _json_line(body: bytes, position: int, where: str) -> tuple[dict[str, Any], int]:
    end = body.find(b"\n", position)
    end = len(body) if end < 0 else end
    line = body[position:end].strip()
    if not line:
        if where == "envelope header":
            raise Invalid("an envelope starts with a JSON header line", where)
        return {}, end + 1
    return json_payload(line, where), end + 1
