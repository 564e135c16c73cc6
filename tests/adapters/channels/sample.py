"""Messages as the engine renders them, to send through each channel in tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from onwatch.notifications.messages import Link, Message

BASE = "https://onwatch.example.org"


def page(**changes: Any) -> Message:
    """A high-urgency page to Ann about incident 7, with signed links and a runbook."""
    message = Message(
        key="page:7:0:0:0:3:12:0",
        kind="page",
        urgency="high",
        title="[sev1] checkout: card payments failing",
        text="Card payments fail for 40% of requests since 14:00 UTC.\nSee the dashboard.",
        incident_id=7,
        incident_url=f"{BASE}/incidents/7",
        service="checkout",
        severity="sev1",
        status="triggered",
        summary="card payments failing",
        opened_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        recipient="Ann Archer",
        ack_url=f"{BASE}/act/ack.signed-token",
        resolve_url=f"{BASE}/act/resolve.signed-token",
        links=(Link("Checkout runbook", "https://runbooks.example.org/checkout"),),
        thread_key="incident:7",
    )
    return replace(message, **changes)


def notice(**changes: Any) -> Message:
    """The same incident told to a channel: no person, so no signed links."""
    told = {"key": "channel:7:0:0:0:2", "kind": "channel", "recipient": None, "ack_url": None}
    return page(**{**told, "resolve_url": None, **changes})
