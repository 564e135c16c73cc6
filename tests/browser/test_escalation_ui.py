"""The escalation parts of the UI in a real headless Chromium, at phone and laptop widths: the
policy page (each step and whom it would reach now) and the incident page's Escalation card
(the seeded busy incident: its policy, next step, and notifications sent, rate-limited and
dead). Screenshots of each element land in test-artifacts/escalation-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.chromium import ARTIFACTS, LAPTOP, PHONE, log_in
from tests.browser.seeding import PASSWORD, USERNAME, Seeded

pytestmark = pytest.mark.browser

WIDER_THAN_ITS_CARD = """(card) => [...card.querySelectorAll('*')]
  .filter((el) => el.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5)
  .map((el) => el.tagName + ': ' + (el.textContent || '').trim().slice(0, 50))"""


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("laptop", LAPTOP)])
def test_the_escalation_card_and_the_policy_page_fit(
    site: tuple[str, Seeded], browser: Browser, size: str, viewport: dict[str, int]
) -> None:
    url, seeded = site
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = log_in(context, url, USERNAME, PASSWORD)
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{url}/incidents/{seeded.incident}")
    card = page.locator("section.card", has=page.locator("#escalation"))
    text = card.inner_text()
    assert "claims-partner-paging-with-a-long-name" in text
    assert "rate-limited until" in text and "550 5.1.1 mailbox unavailable" in text
    assert "later edits of it reach new incidents only" in text
    assert card.evaluate(WIDER_THAN_ITS_CARD) == []
    card.screenshot(path=str(ARTIFACTS / f"escalation-card-{size}.png"))

    page.goto(f"{url}/escalation-policies/claims-partner-paging-with-a-long-name")
    steps = page.locator("section.card", has=page.locator("#steps"))
    assert "Step 2" in steps.inner_text()
    assert steps.evaluate(WIDER_THAN_ITS_CARD) == []
    steps.screenshot(path=str(ARTIFACTS / f"escalation-policy-{size}.png"))
    context.close()
