"""Pages left open stay true: the overview and the incident and alert lists ask for fresh rows
every 20 s (keeping their filters) under the real Content-Security-Policy, not while the tab is
hidden, and at once when it is shown again. The page's clock is Playwright's fake one, moved
forward by hand."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Request, expect

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.pages.live import POLL_SECONDS
from tests.browser.chromium import PHONE, log_in, watch_for_errors
from tests.browser.seeding import PASSWORD, USERNAME, Seeded, fire

pytestmark = pytest.mark.browser


def test_pages_left_open_show_new_incidents_and_alerts(
    site: tuple[str, Seeded], browser: Browser, sqlite_db: Database, clock: FakeClock
) -> None:
    server, _ = site
    context = browser.new_context(viewport=PHONE)
    page = log_in(context, server, USERNAME, PASSWORD)
    errors: list[str] = []
    watch_for_errors(page, errors)
    polls: list[Request] = []
    page.on("request", lambda r: polls.append(r) if r.headers.get("hx-request") else None)
    page.clock.install()
    page.goto(f"{server}/")
    live = page.locator("#live")
    expect(live).to_contain_text("Relay API gateway 5xx ratio")

    fire(sqlite_db, clock, "evidence-summary-worker", "critical", [("Stuck", "Summaries stuck")])
    page.clock.run_for(POLL_SECONDS * 1000)
    expect(live.get_by_role("link", name="Summaries stuck")).to_be_visible()
    expect(live).to_contain_text("4 open incidents")

    # Hidden (a phone in a pocket): no polls however long; shown again: one at once.
    page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true})")
    fire(sqlite_db, clock, "case-intake", "critical", [("Routes", "Routes dropped")])
    asked = len(polls)
    page.clock.run_for(POLL_SECONDS * 5 * 1000)
    assert len(polls) == asked
    expect(live).not_to_contain_text("Routes dropped")
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    expect(live).to_contain_text("Routes dropped")

    # A filtered list keeps its filter when it asks again.
    page.goto(f"{server}/alerts?service=relay-api&state=all")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    fire(sqlite_db, clock, "relay-api", "warning", [("Latency", "Gateway p95 above 8 s")])
    fire(sqlite_db, clock, "relay-db", "warning", [("Disk", "Relay database disk 91%")])
    page.clock.run_for(POLL_SECONDS * 1000)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Gateway p95 above 8 s")
    expect(page.locator("#results")).not_to_contain_text("Relay database disk")
    expect(page.locator("#service")).to_have_value("relay-api")
    assert errors == []
    context.close()
