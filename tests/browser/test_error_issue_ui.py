"""The error issue page in a real headless Chromium, as a responder: the events chart with one bar
per hour and per day that had events, the samples browsed newest to oldest with their stack
traces, and "Ticket it" opening one prod-alert ticket on a GitHub-compatible tracker on loopback
(the engine sends it; the page then links it). Screenshots at 390 px and laptop width."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import Browser, expect

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.engine.assembly import build_engine
from onwatch.errors import actions, keys, queries, triage
from onwatch.errors.envelope import Envelope, Item
from onwatch.web.context import AppContext
from tests.adapters.channels.test_ticket_tracker import configure, tracker
from tests.adapters.errors.envelopes import exception_event
from tests.browser.chromium import LAPTOP, PHONE, log_in, serve, shoot, watch_for_errors
from tests.receivers import IssueTracker

pytestmark = pytest.mark.browser
__all__ = ["tracker"]  # the fixture
PASSWORD = "correct horse battery"
# Events 30 hours, 5 hours and 1 hour ago, and now: 3 hourly bars (24 h) and 2 daily bars.
AGO = [timedelta(hours=30), timedelta(hours=5), timedelta(hours=1), timedelta(0)]


@pytest.fixture
def server(
    sqlite_db: Database, clock: FakeClock, tmp_path: Path, tracker: IssueTracker
) -> Iterator[tuple[str, int, Settings]]:
    db = sqlite_db
    clock.set(clock.now().replace(hour=12, minute=30))  # the first event is the day before
    configure(db, clock, tracker.url)
    now = clock.now()
    with db.transaction() as session:
        auth.create_user(
            session, username="rita", password=PASSWORD, role="responder", actor="test", now=now
        )
        key = keys.create_key(session, service="checkout", actor="test", now=now)
        grant = keys.grant_for(session, key.public_key, key.service_id)
    for n, ago in enumerate(AGO):
        event = exception_event(request={"url": f"https://shop.example/cart/{n}"})
        items = [Item("event", {}, orjson.dumps(event))]
        parsed, counts = actions.parse_events(Envelope({}, items))
        with db.transaction() as session:
            receipt = actions.receive(
                session, grant, parsed, counts, peer=None, now=now - ago, keep_samples=10
            )
            assert receipt.stored
    with db.transaction() as session:
        [(issue, _)] = queries.issues(session)
        # Noise: the engine's own ticketing leaves it alone, so the ticket is the button's.
        triage.triage(session, issue.id, "noise", actor="test", now=now)
        issue_id = issue.id
    settings = Settings(data_dir=tmp_path, base_url="https://onwatch.example.org")
    with serve(AppContext(db=db, settings=settings, clock=clock)) as url:
        yield url, issue_id, settings


def test_chart_samples_and_ticket_it_on_the_issue_page(
    server: tuple[str, int, Settings], browser: Browser, sqlite_db: Database, clock: FakeClock,
    tracker: IssueTracker,
) -> None:  # fmt: skip
    url, issue_id, settings = server
    problems: list[str] = []
    context = browser.new_context(viewport=PHONE)
    page = log_in(context, url, "rita", PASSWORD)
    watch_for_errors(page, problems)
    page.goto(f"{url}/errors/{issue_id}")
    hourly, daily = page.locator("figure#chart-1 svg"), page.locator("figure#chart-2 svg")
    expect(hourly.locator("rect.bar:not(.none)")).to_have_count(3)
    expect(daily.locator("rect.bar:not(.none)")).to_have_count(2)
    expect(hourly.locator("rect")).to_have_count(24)
    assert "3 events, at most 1 in one" in (hourly.get_attribute("aria-label") or "")
    shoot(page, "error-issue-phone")

    shown = page.locator("#shown-event")
    first = shown.inner_text()
    expect(page.get_by_text("Event 1 of 4, newest first")).to_be_visible()
    expect(page.locator("dd.url")).to_have_text("https://shop.example/cart/3")
    page.get_by_role("link", name="older →").click()
    expect(page.get_by_text("Event 2 of 4, newest first")).to_be_visible()
    expect(page.locator("dd.url")).to_have_text("https://shop.example/cart/2")
    assert shown.inner_text() != first and f"event={shown.inner_text()}" in page.url
    expect(page.locator("ol.frames li").first).to_contain_text("shop.views in checkout")
    expect(page.locator("ol.frames li.app pre")).to_contain_text("order = load(order_id)")
    page.get_by_role("link", name="← newer").click()
    expect(shown).to_have_text(first)

    page.set_viewport_size(LAPTOP)
    page.get_by_role("button", name="Ticket it").click()
    expect(page.locator("#ticket")).to_contain_text("opening…")
    expect(page.get_by_role("button", name="Ticket it")).to_have_count(0)
    engine = build_engine(sqlite_db, clock, settings, handoff_notice=None)
    assert engine.tick(clock.now()).failed == {}
    [opened] = tracker.take(1)
    assert opened.json()["labels"] == ["incident"]  # the tracker's labels (prod-alert in seed 003)
    page.reload()
    expect(page.locator("#ticket a")).to_have_text("#1")
    shoot(page, "error-issue-laptop")
    assert len(tracker.issues) == 1
    assert problems == []
