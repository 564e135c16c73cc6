"""Bodies seen before: what parsing gave is reused only for the same wire format, key and bytes,
never for a body with a problem or a trigger whose dedup key was made up for it, and no more
is kept than the bounds allow."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from onwatch.integrations.intake import Delivery
from onwatch.integrations.seen import SeenBodies

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def am_body(*names: str, status: str = "firing") -> bytes:
    alerts = [
        {"status": status, "labels": {"alertname": name}, "fingerprint": f"fp-{name}"}
        for name in names
    ]
    return json.dumps({"version": "4", "status": status, "alerts": alerts}).encode()


def pd_body(dedup_key: str | None = None) -> bytes:
    event: dict[str, Any] = {
        "routing_key": "key-1",
        "event_action": "trigger",
        "payload": {"summary": "Disk full", "source": "db1", "severity": "error"},
    }
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    return json.dumps(event).encode()


def first_time(seen: SeenBodies, kind: str, key: str | None, raw: bytes, new_key: str = ""):
    """Send `raw` as the web layer does on a miss: decoded, with its bytes; what was parsed."""
    assert seen.delivery(kind, key, raw) is None
    return seen.parse(Delivery(kind, key, json.loads(raw), new_key, raw), NOW)


def test_the_same_body_with_the_same_key_reuses_what_parsing_gave() -> None:
    seen, raw = SeenBodies(), am_body("DiskFull", "HighLatency")
    parsed = first_time(seen, "alertmanager", "key-1", raw)
    again = seen.delivery("alertmanager", "key-1", raw)
    assert again is not None and again.body is None
    assert seen.parse(again, NOW) is parsed
    assert [event.dedup_key for event in parsed.events] == ["fp-DiskFull", "fp-HighLatency"]


def test_another_key_another_wire_format_or_one_byte_more_is_a_body_not_seen() -> None:
    seen, raw = SeenBodies(), am_body("DiskFull")
    first_time(seen, "alertmanager", "key-1", raw)
    assert seen.delivery("alertmanager", "key-2", raw) is None
    assert seen.delivery("grafana", "key-1", raw) is None
    assert seen.delivery("alertmanager", "key-1", raw + b" ") is None


def test_a_body_with_a_problem_is_checked_anew_each_time() -> None:
    seen, raw = SeenBodies(), json.dumps({"version": "4", "alerts": "none"}).encode()
    parsed = first_time(seen, "alertmanager", "key-1", raw)
    assert parsed.problem is not None
    assert seen.delivery("alertmanager", "key-1", raw) is None and len(seen) == 0


def test_a_pagerduty_trigger_without_a_dedup_key_is_not_kept_as_its_key_is_new_each_time() -> None:
    seen, raw = SeenBodies(), pd_body()
    parsed = first_time(seen, "pagerduty", None, raw, new_key="made-up-1")
    assert parsed.events[0].dedup_key == "made-up-1"
    assert seen.delivery("pagerduty", None, raw) is None
    with_key = pd_body("disk")
    first_time(seen, "pagerduty", None, with_key, new_key="made-up-2")
    delivery = seen.delivery("pagerduty", None, with_key)
    assert delivery is not None and seen.parse(delivery, NOW).events[0].dedup_key == "disk"


def test_the_least_recently_used_bodies_go_once_the_events_held_pass_the_bound() -> None:
    seen = SeenBodies(max_events=4)
    bodies = [am_body(f"A{n}", f"B{n}") for n in range(3)]  # two events each
    first_time(seen, "alertmanager", "k", bodies[0])
    first_time(seen, "alertmanager", "k", bodies[1])
    assert seen.delivery("alertmanager", "k", bodies[0]) is not None  # now the most recent
    first_time(seen, "alertmanager", "k", bodies[2])
    assert len(seen) == 2
    assert seen.delivery("alertmanager", "k", bodies[1]) is None
    assert seen.delivery("alertmanager", "k", bodies[0]) is not None


def test_no_more_bytes_of_bodies_are_held_than_the_bound() -> None:
    small, large = am_body("A"), am_body(*(f"Alert{n}" for n in range(40)))
    seen = SeenBodies(max_bytes=len(large))
    first_time(seen, "alertmanager", "k", small)
    first_time(seen, "alertmanager", "k", large)
    assert seen.delivery("alertmanager", "k", small) is None
    assert seen.delivery("alertmanager", "k", large) is not None
    seen = SeenBodies(max_bytes=len(large) - 1)
    first_time(seen, "alertmanager", "k", large)
    assert len(seen) == 0  # a body over the bound on its own is not kept at all
