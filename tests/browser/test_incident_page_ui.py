"""The incident page in a real headless Chromium: a sev1 with a long timeline, the person on
call and the runbooks, at laptop and phone widths (screenshots in test-artifacts/); the page
refreshes its timeline on its own (the browser's clock moved 15 s on, no waiting) and the text
typed in the note box survives it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.responding import acknowledge_incident
from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory import actions as directory
from onwatch.directory.queries import get_service
from onwatch.directory.specs import (
    ContactMethodSpec,
    PersonSpec,
)
from onwatch.incidents.actions import add_note
from onwatch.schedules.actions import put_schedule
from onwatch.schedules.specs import LayerSpec, ScheduleSpec
from tests.browser import test_ui
from tests.browser.chromium import LAPTOP, PHONE, shoot
from tests.browser.test_ui import PASSWORD

pytestmark = pytest.mark.browser
server = test_ui.server  # the same fixture as the other UI test (browser is in conftest.py)

SUMMARIES = [
    "Checkout p95 latency over 8 s on every node",
    "Card processor answers 503 for 40% of requests",
    "Payment queue backlog over 10,000 messages",
]


@pytest.fixture
def incident(server: str, sqlite_db: Database, clock: FakeClock) -> int:
    return fill_incident(sqlite_db, clock)


def fill_incident(db: Database, clock: FakeClock) -> int:
    """A sev1 on `checkout` (test_ui.fill_directory's service): many alerts, acknowledged by
    Ann through her login, notes from the shell and from her; Dana is on call, with a phone."""
    now = clock.now()
    with db.transaction() as session:
        directory.put_person(
            session,
            PersonSpec(
                handle="dana",
                name="Dana Okonkwo-Whitfield",
                email="dana.okonkwo@example.org",
                contact_methods=[
                    ContactMethodSpec(type="phone", address="+1 555 0142", label="on-call phone"),
                    ContactMethodSpec(type="sms", address="+1 555 0142"),
                    ContactMethodSpec(type="slack", address="U0DANA"),
                ],
            ),
            actor="test",
            now=now,
        )
        put_schedule(
            session,
            ScheduleSpec(
                name="payments-on-call",
                time_zone="America/New_York",
                services=["checkout"],
                layers=[
                    LayerSpec(
                        members=["dana", "bob"],
                        shift_length=timedelta(weeks=1),
                        start_date=date(2026, 1, 5),
                        roles=["primary", "secondary"],
                    )
                ],
            ),
            actor="test",
            now=now,
        )
        auth.create_user(
            session,
            username="ann-oncall",
            password=PASSWORD,
            role="responder",
            actor="test",
            now=now,
            person_handle="ann",
        )
        service_id = get_service(session, "checkout").id
        events = [
            AlertEvent(
                "trigger",
                f"alert-{n}",
                summary=SUMMARIES[n % 3] + f" (#{n})",
                severity="critical" if n == 0 else "error",
                labels={"app": "checkout", "env": "prod", "alertname": f"A{n % 3}"},
            )
            for n in range(18)
        ]
        [first, *_] = ingest(
            session,
            [Routed(service_id, "checkout", e) for e in events],
            integration_id=None,
            now=now,
        )
        incident_id = first.incident_id
        acknowledge_incident(
            session, incident_id, actor="user:ann-oncall", now=now + timedelta(minutes=3)
        )
        add_note(
            session,
            incident_id,
            "Rolled back release 2026.03.02-1; latency unchanged.\n"
            "Card processor status page shows a partial outage.",
            actor="cli:root",
            now=now + timedelta(minutes=9),
        )
        add_note(
            session,
            incident_id,
            "Opened a ticket with the card processor: CP-48213.",
            actor="user:ann-oncall",
            now=now + timedelta(minutes=12),
        )
    return incident_id


def test_incident_page_at_both_widths_and_its_refresh_keeps_the_note_box(
    sqlite_db: Database,
    clock: FakeClock,
    server: str,
    browser: Browser,
    incident: int,
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.clock.install()
    page.goto(f"{server}/login?next=/incidents/{incident}")
    page.get_by_label("Username").fill("ann-oncall")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/incidents/{incident}")

    who = page.locator("#answering")
    expect(who).to_contain_text("Dana Okonkwo-Whitfield")
    expect(who.get_by_role("link", name="+1 555 0142").first).to_have_attribute(
        "href", "tel:+15550142"
    )
    expect(page.get_by_role("link", name="Card processor outage")).to_be_visible()
    expect(page.locator("#incident-head .tag.sev-sev1")).to_have_text("sev1")
    expect(page.locator("#timeline-card")).to_contain_text("root (command line)")
    shoot(page, "incident-laptop")
    page.set_viewport_size(PHONE)
    shoot(page, "incident-phone")

    box = page.get_by_role("textbox", name="Note")
    box.fill("Half-typed: the processor says")
    with sqlite_db.transaction() as session:
        add_note(
            session,
            incident,
            "Processor confirms the outage is on their side.",
            actor="user:bob",
            now=clock.now() + timedelta(minutes=20),
        )
    page.clock.run_for(16_000)  # the page polls every 15 s
    expect(page.locator("#timeline-card")).to_contain_text("Processor confirms the outage")
    expect(box).to_have_value("Half-typed: the processor says")
    assert problems == []
    context.close()
