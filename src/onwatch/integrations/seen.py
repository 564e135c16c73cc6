"""Bodies seen before. A monitor re-sends a firing alert unchanged: Alertmanager at every group
and repeat interval, many others until the alert resolves. Such a body need not be decoded and
parsed again: what parsing it gave is kept, by the wire format, the key and the body's exact
bytes, so a hit is the same request byte for byte.

Only the reading is skipped. The key, the rate limit, routing and storing still run for every
request, so a revoked key or an alert resolved meanwhile is answered as if the body were new.
What parsing gives does not depend on when it ran: an event's `occurred_at` defaults to the
time received, and that is not stored for an alert event.

Not kept:
- a body with a problem, checked anew each time;
- a PagerDuty trigger without a dedup key, which gets a new key each time it is sent."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from onwatch.integrations.intake import Delivery, Parsed, parse

MAX_EVENTS = 20_000  # about 30 MB of parsed events
MAX_BYTES = 16 * 1024 * 1024  # of bodies

_Key = tuple[str, str, bytes]


class SeenBodies:
    """What parsing each recently seen body gave. The least recently used go first once the
    events or bytes held pass their bound. One per process, shared by the event loop, which
    looks up, and the intake writer's thread, which parses and keeps."""

    def __init__(self, max_events: int = MAX_EVENTS, max_bytes: int = MAX_BYTES) -> None:
        self.max_events, self.max_bytes = max_events, max_bytes
        self._kept: OrderedDict[_Key, Parsed] = OrderedDict()
        self._events = self._bytes = 0
        self._lock = threading.Lock()

    def delivery(self, kind: str, key: str | None, raw: bytes) -> Delivery | None:
        """A delivery of this request carrying what parsing its body gave before, or None if
        the body is not one seen (then the caller decodes it and hands `raw` on)."""
        seen = (kind, key or "", raw)
        with self._lock:
            parsed = self._kept.get(seen)
            if parsed is None:
                return None
            self._kept.move_to_end(seen)
        return Delivery(kind, key, None, raw=raw, parsed=parsed)

    def parse(self, delivery: Delivery, now: datetime) -> Parsed:
        """intake.parse, or what it gave for the same body before; kept for next time."""
        if delivery.parsed is not None:
            return delivery.parsed
        parsed = parse(delivery, now)
        if delivery.raw and is_worth_keeping(delivery, parsed):
            self._keep((delivery.kind, delivery.key or "", delivery.raw), parsed)
        return parsed

    def __len__(self) -> int:
        return len(self._kept)

    def _keep(self, key: _Key, parsed: Parsed) -> None:
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = parsed
            self._events += len(parsed.events)
            self._bytes += len(key[2])
            while self._kept and (self._events > self.max_events or self._bytes > self.max_bytes):
                (_, _, raw), gone = self._kept.popitem(last=False)
                self._events -= len(gone.events)
                self._bytes -= len(raw)


def is_worth_keeping(delivery: Delivery, parsed: Parsed) -> bool:
    """Whether the next request with the same body may reuse `parsed`: not if the body had a
    problem, nor if it contains a dedup key made up for this one request."""
    if parsed.problem is not None or not parsed.events:
        return False
    made_up = delivery.new_dedup_key
    return not made_up or all(event.dedup_key != made_up for event in parsed.events)
