"""The post-mortem page in a real headless Chromium: opened from the incident page on its
generated draft, the preview following what is typed (htmx), saved, an action item added, and
published; it fits a phone's width without scrolling sideways (screenshots in test-artifacts/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident
from tests.browser import test_ui
from tests.browser.chromium import LAPTOP, PHONE, shoot
from tests.browser.test_incident_page_ui import fill_incident
from tests.browser.test_ui import PASSWORD

pytestmark = pytest.mark.browser
server = test_ui.server  # the same fixture as the other UI test (browser is in conftest.py)


def test_open_edit_and_publish_the_generated_post_mortem_at_both_widths(
    sqlite_db: Database, clock: FakeClock, server: str, browser: Browser
) -> None:
    incident = fill_incident(sqlite_db, clock)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{server}/login?next=/incidents/{incident}")
    page.get_by_label("Username").fill("ann-oncall")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/incidents/{incident}")

    page.get_by_role("link", name="Open the post-mortem").click()
    page.wait_for_url(f"{server}/incidents/{incident}/postmortem")
    box = page.get_by_role("textbox", name="Post-mortem (Markdown)")
    expect(box).to_have_value(re.compile(r"^# Post-mortem: "))
    preview = page.locator("#pm-preview")
    expect(preview.get_by_role("heading", name="Timeline")).to_be_visible()
    shoot(page, "postmortem-laptop")

    box.fill("# Card processor outage\n\n## Root cause\n\nTheir TLS certificate <b>expired</b>.")
    expect(preview.get_by_role("heading", name="Root cause")).to_be_visible()
    expect(preview).to_contain_text("<b>expired</b>")  # raw HTML stays text
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".page-head")).to_contain_text("saved")

    page.get_by_label("What").fill("Alert on the processor's certificate expiry")
    page.locator("select[name=owner]").select_option("bob")
    page.get_by_label("Due").fill("2026-04-01")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#action-items")).to_contain_text("Bob Baker")

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "postmortem-phone")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".page-head .tag")).to_have_text("published")
    with sqlite_db.read() as session:
        found = session.get(Incident, incident)
        assert found is not None and found.postmortem_state == "published"
    assert problems == []
    context.close()
