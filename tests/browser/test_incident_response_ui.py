"""An incident run from start to finish in a real headless Chromium, as a responder does it:
declare it, acknowledge it, assign a commander, add a note, send a stakeholder update, resolve
it, and open and publish the post-mortem generated from it; every step is checked on the page
and in the database, and the page fits a phone (screenshots in test-artifacts/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Person
from onwatch.incidents.models import Incident, IncidentRole, TimelineEntry
from onwatch.notifications.models import Notification
from onwatch.stakeholders.lists import put_stakeholders
from onwatch.stakeholders.policy import StakeholdersSpec
from tests.browser import test_ui
from tests.browser.chromium import LAPTOP, PHONE, shoot
from tests.browser.test_ui import PASSWORD

pytestmark = pytest.mark.browser
server = test_ui.server  # the same fixture as the other UI test (browser is in conftest.py)


def _log_in(page: Page, server: str, then: str) -> None:
    page.goto(f"{server}/login?next={then}")
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}{then}")


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_declare_acknowledge_command_note_update_resolve_and_publish_the_post_mortem(
    sqlite_db: Database, clock: FakeClock, server: str, browser: Browser
) -> None:
    with sqlite_db.transaction() as session:
        put_stakeholders(
            session,
            StakeholdersSpec(team="payments", subscribers=["leads@example.org"]),
            actor="test",
            now=clock.now(),
        )
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    _log_in(page, server, "/incidents/new")

    # Declare, on a phone.
    page.get_by_label("Service").select_option("checkout")
    page.get_by_label("Title").fill("Card payments fail for every storefront")
    page.get_by_label("Severity").select_option("sev1")
    page.get_by_label("Summary").fill("Every card payment has failed since 02:40 UTC.")
    _fits(page)
    shoot(page, "declare-phone")
    page.get_by_role("button", name="Declare and page the on-call").click()
    page.wait_for_url(re.compile(rf"{re.escape(server)}/incidents/\d+$"))
    incident_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Card payments fail")

    page.get_by_role("button", name="Acknowledge").first.click()
    expect(page.get_by_role("button", name="Resolve").first).to_be_visible()
    with sqlite_db.read() as session:
        found = session.get(Incident, incident_id)
        assert found is not None and found.status == "acknowledged"

    # Bob becomes the commander, with Cy as his backup.
    roles = page.locator("#roles")
    roles.get_by_label("Role").select_option("commander")
    roles.get_by_label("Person").select_option("bob")
    roles.get_by_label("Backup").select_option("cy")
    roles.get_by_role("button", name="Assign").click()
    expect(page.locator("#roles")).to_contain_text("Bob")

    page.locator("#note-text").fill("Rolled back the card processor client to 4.2.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Rolled back the card processor client to 4.2.")).to_be_visible()

    updates = page.locator("#updates")
    updates.get_by_label("Current status").fill("Payments recover after the rollback.")
    _fits(page)
    shoot(page, "incident-war-room-phone")
    updates.get_by_role("button", name="Send update").click()
    expect(page.locator("#updates")).to_contain_text("Payments recover after the rollback.")

    page.set_viewport_size(LAPTOP)
    page.get_by_role("button", name="Resolve").first.click()
    expect(page.get_by_role("button", name="Reopen").first).to_be_visible()
    shoot(page, "incident-resolved-laptop")

    page.get_by_role("link", name="Open the post-mortem").click()
    page.wait_for_url(f"{server}/incidents/{incident_id}/postmortem")
    box = page.get_by_role("textbox", name="Post-mortem (Markdown)")
    expect(box).to_have_value(re.compile(r"^# Post-mortem: "))
    expect(box).to_have_value(re.compile(r"Rolled back the card processor client"))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".page-head .tag")).to_have_text("published")

    with sqlite_db.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert incident.status in ("resolved", "closed")
        assert incident.postmortem_state == "published"
        assert incident.acknowledged_at is not None and incident.resolved_at is not None
        commander = session.scalars(
            select(IncidentRole).where(
                IncidentRole.incident_id == incident_id, IncidentRole.role == "commander"
            )
        ).one()
        handles = {p.id: p.handle for p in session.scalars(select(Person))}
        assert handles[commander.person_id] == "bob"
        assert commander.backup_person_id is not None
        assert handles[commander.backup_person_id] == "cy"
        kinds = set(
            session.scalars(
                select(TimelineEntry.kind).where(TimelineEntry.incident_id == incident_id)
            )
        )
        assert {"acknowledged", "note", "resolved", "postmortem"} <= kinds
        sources = set(
            session.scalars(
                select(TimelineEntry.source).where(TimelineEntry.incident_id == incident_id)
            )
        )
        assert "ui" in sources
        updates_sent = session.scalars(
            select(Notification).where(Notification.kind == "update")
        ).all()
        # The team's list, and its product owner (Bob), who is copied on every update.
        assert sorted(u.destination.get("address") for u in updates_sent) == [
            "bob@example.org",
            "leads@example.org",
        ]
    assert problems == []
    context.close()
