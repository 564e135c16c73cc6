"""The Integrations page and removing an override, in a real headless Chromium under the real
Content-Security-Policy: the key shown once with its URL and curl, and the confirmations (plain
<details>, no script) before a key is rotated, an integration deleted or an override removed.
Screenshots at 390 px and 1366 px land in test-artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.integrations.keys import create_integration
from onwatch.schedules.actions import add_override, put_schedule
from onwatch.schedules.specs import NewOverrideSpec, ScheduleSpec
from tests.browser.chromium import LAPTOP, PHONE, shoot
from tests.browser.test_ui import PASSWORD, server

__all__ = ["server"]  # a fixture, used by name
pytestmark = pytest.mark.browser


def logged_in(browser: Browser, server: str) -> tuple[Page, list[str]]:
    """A page logged in as ann (admin), and the console errors and page errors it will see."""
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/")
    return page, problems


def test_create_an_integration_see_its_key_once_then_rotate_and_delete_after_confirming(
    server: str, browser: Browser, sqlite_db: Database, clock: FakeClock
) -> None:
    with sqlite_db.transaction() as session:
        for name, service, kind in (
            ("prometheus", "checkout", "alertmanager"),
            ("datadog", "ledger", "datadog"),
        ):
            create_integration(
                session, name=name, service=service, kind=kind, actor="test", now=clock.now()
            )
    page, problems = logged_in(browser, server)
    page.get_by_role("link", name="Integrations").click()
    page.wait_for_url(f"{server}/admin/integrations")
    page.get_by_label("Name").fill("ci-deploys")
    page.get_by_label("Service").select_option("checkout")
    page.get_by_label("Format").select_option("pagerduty")
    page.get_by_role("button", name="Create").click()
    key = page.get_by_label("The new key")
    expect(key).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    secret = page.locator("section.secret")
    # The server runs without ONWATCH_BASE_URL: URLs are made from the host and port settings.
    expect(secret.locator("code.url")).to_have_text(re.compile(r"^http://\S+/v2/enqueue$"))
    expect(secret.locator("pre.command").first).to_contain_text(key.input_value())
    shoot(page, "integrations-created-laptop")
    page.set_viewport_size(PHONE)
    shoot(page, "integrations-created-phone")

    page.goto(f"{server}/admin/integrations")
    prometheus = page.locator("section.integration", has_text="prometheus")
    expect(prometheus.locator("code.url")).to_have_text(
        re.compile(r"^http://\S+/api/v1/intake/alertmanager/KEY$")
    )
    prometheus.get_by_text("Test it with curl").click()
    expect(prometheus.locator("pre.command").first).to_be_visible()
    shoot(page, "integrations-phone")
    page.set_viewport_size(LAPTOP)
    shoot(page, "integrations-laptop")

    # Nothing happens until the confirming button is pressed.
    rotate = prometheus.get_by_role("button", name="Rotate the key of prometheus")
    expect(rotate).to_be_hidden()
    prometheus.get_by_text("Rotate key…").click()
    shoot(page, "integrations-rotate-confirm-laptop")
    rotate.click()
    expect(page.get_by_role("heading", name="Key of “prometheus” rotated")).to_be_visible()
    expect(page.get_by_label("The new key")).to_have_value(re.compile(r"^owi_"))

    page.goto(f"{server}/admin/integrations")
    datadog = page.locator("section.integration", has_text="datadog")
    datadog.get_by_text("Delete…").click()
    datadog.get_by_role("button", name="Delete datadog").click()
    page.wait_for_url(f"{server}/admin/integrations")
    expect(page.locator("section.integration h2")).to_have_text(["ci-deploys", "prometheus"])
    assert problems == []


def test_remove_an_override_from_the_schedule_page_after_confirming(
    server: str, browser: Browser, sqlite_db: Database, clock: FakeClock
) -> None:
    schedule = {
        "name": "payments-on-call",
        "time_zone": "America/New_York",
        "layers": [
            {
                "members": ["ann", "bob", "cy"],
                "shift_length": "1w",
                "handoff_time": "09:00",
                "start_date": "2026-03-02",
                "roles": ["primary", "secondary"],
            }
        ],
        "overrides": [
            {
                "covering": "cy",
                "covered": "bob",
                "start_at": "2026-03-10T09:00:00-04:00",
                "end_at": "2026-03-11T09:00:00-04:00",
                "reason": "conference",
            }
        ],
    }
    with sqlite_db.transaction() as session:
        put_schedule(session, ScheduleSpec.model_validate(schedule), actor="t", now=clock.now())
        cover = NewOverrideSpec(
            covering="bob",
            covered="ann",
            start_at=datetime(2026, 3, 3, 14, tzinfo=UTC),
            end_at=datetime(2026, 3, 5, 14, tzinfo=UTC),
            reason="dentist, then PTO",
        )
        add_override(session, "payments-on-call", cover, actor="user:ann", now=clock.now())
    page, problems = logged_in(browser, server)
    page.goto(f"{server}/schedules/payments-on-call")
    card = page.locator("#overrides")
    expect(card.locator("tbody tr")).to_have_count(2)
    expect(card).to_contain_text("change it in the file")
    shoot(page, "schedule-overrides-laptop")
    card.get_by_text("Remove…").click()
    shoot(page, "schedule-overrides-confirm-laptop")
    page.set_viewport_size(PHONE)
    card.scroll_into_view_if_needed()
    shoot(page, "schedule-overrides-phone")
    card.get_by_role("button", name="Remove this override").click()
    page.wait_for_url(f"{server}/schedules/payments-on-call#overrides")
    expect(card.locator("tbody tr")).to_have_count(1)
    expect(card).to_contain_text("conference")
    assert problems == []
