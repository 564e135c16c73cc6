"""An ack link from a message, opened in a real headless Chromium with no login, under the real
Content-Security-Policy: the confirmation page, the page after pressing its button, and the
page of an edited link. Screenshots at 390 px and 1366 px land in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.directory.queries import get_person
from onwatch.incidents.models import Incident
from onwatch.notifications import links
from tests.browser.chromium import LAPTOP, PHONE, shoot
from tests.browser.seeding import Seeded

pytestmark = pytest.mark.browser


def both_sizes(page: Page, name: str) -> None:
    """Screenshots at phone and laptop width; the page never scrolls sideways on a phone."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, f"{name}-phone")
    page.set_viewport_size(LAPTOP)
    shoot(page, f"{name}-laptop")


def test_an_ack_link_asks_then_acknowledges_and_an_edited_one_is_refused(
    site: tuple[str, Seeded],
    browser: Browser,
    sqlite_db: Database,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    url, _ = site
    with sqlite_db.read() as session:
        incident = session.scalars(
            select(Incident).where(Incident.status == "triggered").order_by(Incident.id)
        ).first()
        assert incident is not None
        person = get_person(session, "zainab")
    key = signing_key(Settings(data_dir=tmp_path))
    ack, _ = links.links_for(url, key, incident.id, person.id, clock.now(), via="email")

    page = browser.new_context(viewport=PHONE).new_page()  # no login: the link is enough
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(ack)
    expect(page.get_by_role("heading")).to_have_text(f"Acknowledge incident #{incident.id}?")
    expect(page.locator(".link-title")).to_have_text(incident.title)
    button = page.get_by_role("button", name=f"Acknowledge as {person.name}")
    expect(button).to_be_visible()
    both_sizes(page, "link-confirm")

    page.set_viewport_size(PHONE)
    button.click()
    expect(page.get_by_role("heading")).to_have_text(f"Acknowledged incident #{incident.id}")
    expect(page.locator(".link-state")).to_contain_text(f"Acknowledged by {person.name} at")
    both_sizes(page, "link-done")
    with sqlite_db.read() as session:
        assert session.get(Incident, incident.id).status == "acknowledged"

    assert problems == []

    code, number, *rest = ack.rsplit("/", 1)[1].split(".")
    page.goto(ack.rsplit("/", 1)[0] + "/" + ".".join([code, str(int(number) + 1), *rest]))
    expect(page.get_by_role("heading")).to_have_text("Link not valid")
    expect(page.locator(".problem")).to_contain_text("This link is not valid: it was changed")
    both_sizes(page, "link-refused")
    # The refusal itself is the only thing that did not load.
    assert problems == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
