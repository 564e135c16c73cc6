"""Sending a stakeholder update on a real database: the StatusUpdate and one outbox row per
recipient (the service's and its team's subscribers, then role holders) in one transaction,
with the unsubscribe headers and the thread; a closed incident refuses, storing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict, Invalid
from onwatch.incidents.models import Incident
from onwatch.notifications.models import Notification
from onwatch.stakeholders import unsubscribe
from onwatch.stakeholders.models import StatusUpdate
from tests.integration.escalation.helpers import open_on, timeline
from tests.integration.stakeholders.org import KEY, give_role, load_org, outbox, send


def test_an_update_goes_to_every_subscriber_once_and_to_role_holders(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    at = clock.now()  # 2026-03-02 14:00 UTC: 09:00 in New York
    incident = open_on(db, "cart", at, severity="sev1")
    give_role(db, incident, "commander", "ann", at)
    give_role(db, incident, "product_owner", "pat", at)

    send(db, incident, "We are on it.", at + timedelta(minutes=20), summary="Carts fail.")

    rows = outbox(db, "update")
    assert [r.destination["address"] for r in rows] == [
        "leads@example.org", "support@example.org", "cart-owners@example.org",
        "ann@example.org", "pat@example.org",
    ]  # fmt: skip
    first = rows[0]
    assert first.payload["title"] == "Shopping cart Production Outage 03-02-2026"
    assert first.payload["thread_root"] is True
    assert first.payload["thread_key"] == f"stakeholders-incident-{incident}"
    assert first.payload["headers"] == unsubscribe.headers(
        "https://onwatch.example.org", "leads@example.org", KEY
    )
    assert "Current Status: 03-02-2026 09:20 AM EST: We are on it.\n" in first.payload["text"]
    assert "Incident Summary: Carts fail.\n" in first.payload["text"]
    assert rows[3].payload["headers"] == {}  # a role holder is on no list
    assert timeline(db, incident, "status_update") == [
        "Stakeholder update sent to 5 recipients: We are on it."
    ]
    with db.read() as session:
        assert session.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "incident.status_update")
        ) == 1  # fmt: skip

    send(db, incident, "Fixed the cache.", at + timedelta(minutes=50))
    later = outbox(db, "update")[5:]
    assert len(later) == 5 and not any(r.payload["thread_root"] for r in later)


def test_an_update_for_a_closed_incident_is_refused_and_nothing_is_stored(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    incident = open_on(db, "cart", clock.now())
    with db.transaction() as session:
        found = session.get(Incident, incident)
        assert found is not None
        found.status, found.resolved_at, found.closed_at = "closed", clock.now(), clock.now()
    with pytest.raises(Conflict, match="closed"):
        send(db, incident, "Too late.", clock.now(), summary="Changed?")
    with pytest.raises(Invalid) as raised:
        open_one = open_on(db, "lone", clock.now())
        send(db, open_one, "   ", clock.now())
    assert raised.value.errors[0].field == "status"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusUpdate)) == 0
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
        assert session.scalar(select(Incident.summary).where(Incident.id == incident)) is None


def test_once_resolved_the_update_says_when_and_links_the_post_mortem(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    at = clock.now()
    incident = open_on(db, "cart", at)
    with db.transaction() as session:
        found = session.get(Incident, incident)
        assert found is not None
        found.status, found.resolved_at = "resolved", at + timedelta(hours=2)
    send(db, incident, "All good again.", at + timedelta(hours=3))
    text = outbox(db, "update")[0].payload["text"]
    assert "Incident End Date/Time: 03-02-2026 11:00 AM EST\n" in text
    assert "Resolution: Resolved at 03-02-2026 11:00 AM EST.\n" in text
    html = outbox(db, "update")[0].payload["html"]
    assert f'href="https://onwatch.example.org/incidents/{incident}/postmortem"' in html
