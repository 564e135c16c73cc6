"""The message of an outbox row: what a page to a person says (signed links included), what a
channel message says (the incident page only), and a message with no incident."""

from __future__ import annotations

from datetime import UTC, datetime

from onwatch.notifications.links import Claim, LinkMaker, read
from onwatch.notifications.messages import Link
from onwatch.notifications.render import IncidentFacts, RowFacts, message

NOW = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
KEY = b"k" * 32
LINKS = LinkMaker("https://onwatch.example.org", KEY)
INCIDENT = IncidentFacts(
    7, "card payments failing", "sev1", "triggered", "checkout",
    datetime(2026, 3, 2, 14, 0, tzinfo=UTC), (Link("Runbook", "https://rb.example.org/c"),),
)  # fmt: skip


def row(**changes: object) -> RowFacts:
    fields: dict[str, object] = {
        "id": 1, "key": "page:7:0:0:0:3:email:0", "kind": "page", "urgency": "high",
        "label": "Ann Archer by email", "destination": {"kind": "email", "address": "a@x.org"},
        "person_id": 3, "person_name": "Ann Archer", "incident": INCIDENT,
    }  # fmt: skip
    return RowFacts(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_page_to_a_person_carries_signed_links_bound_to_them() -> None:
    built = message(row(), LINKS, NOW)
    assert built.title == "[sev1] checkout: card payments failing"
    assert (built.key, built.thread_key, built.recipient) == (
        "page:7:0:0:0:3:email:0", "incident:7", "Ann Archer",
    )  # fmt: skip
    assert built.incident_url == "https://onwatch.example.org/incidents/7"
    assert built.ack_url and built.resolve_url
    token = built.ack_url.rsplit("/", 1)[-1]
    claim = read(token, KEY, action="acknowledge", now=NOW)
    assert claim == Claim("acknowledge", 7, 3, claim.expires_at, "email")
    assert f"Acknowledge: {built.ack_url}" in built.text
    assert "Runbook: https://rb.example.org/c" in built.text
    assert built.links == INCIDENT.runbooks


def test_a_channel_message_links_to_the_incident_page_only() -> None:
    built = message(row(kind="channel", person_id=None, person_name=None), LINKS, NOW)
    assert (built.ack_url, built.resolve_url, built.recipient) == (None, None, None)
    assert "Acknowledge" not in built.text
    assert "Incident: https://onwatch.example.org/incidents/7" in built.text


def test_a_message_without_an_incident_says_what_its_payload_says() -> None:
    built = message(
        row(kind="test", incident=None, payload={"title": "Test from onwatch", "text": "Hello"}),
        LINKS,
        NOW,
    )
    assert (built.title, built.text, built.incident_id) == ("Test from onwatch", "Hello", None)
    bare = message(row(kind="handoff", incident=None), LINKS, NOW)
    assert bare.title == bare.text == "Ann Archer by email"
