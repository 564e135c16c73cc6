"""Every page fits a phone (390 px) and a laptop (1366 px): nothing is wider than the viewport,
and every link of the navigation can be reached on a phone. The pages are found by crawling the
navigation an admin sees, plus one page of each kind listed in PAGES. Screenshots of every page
at both sizes land in test-artifacts/layout-*.png for a person to look at."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.browser.chromium import ARTIFACTS, LAPTOP, PHONE, log_in, shoot, watch_for_errors
from tests.browser.seeding import PASSWORD, USERNAME, Seeded

pytestmark = pytest.mark.browser

# One page of each kind beside the navigation bar's own links, as (name, path, logged in).
# Fields in braces are filled from the seeded data (tests/browser/seeding.py). A new kind of
# page adds one line here (and, if it needs data, a row in the seed).
PAGES: list[tuple[str, str, bool]] = [
    ("overview", "/", True),
    ("incident", "/incidents/{incident}", True),
    ("incidents-filtered", "/incidents?state=all&severity=sev2&priority=none&q=a", True),
    ("alert", "/alerts/{alert}", True),
    ("service", "/services/{service}", True),
    ("team", "/teams/{team}", True),
    ("person", "/people/{person}", True),
    ("schedule", "/schedules/{schedule}", True),
    ("schedule-two-roles", "/schedules/relay-on-call", True),
    ("escalation-policy", "/escalation-policies/claims-partner-paging-with-a-long-name", True),
    ("tokens", "/admin/tokens", True),
    ("outbox-all", "/admin/outbox?state=all", True),
    ("silences", "/silences", True),
    ("error-issue", "/errors/{error_issue}", True),
    ("errors-of-a-service", "/errors?service={service}&status=", True),
    ("errors-review", "/errors/review?team={team}", True),
    ("deploys", "/deploys", True),
    ("deploy", "/deploys/{deploy}", True),
    ("maintenance", "/maintenance", True),
    ("status", "/status", True),
    ("error", "/no-such-page", True),
    ("declare", "/incidents/new", True),
    ("postmortem", "/incidents/{incident}/postmortem", True),
    ("updates", "/incidents/{incident}/updates", True),
    ("upstream", "/incidents/{incident}/upstream", True),
    ("evidence", "/incidents/{incident}/evidence", True),
    ("subscribers", "/subscribers", True),
    ("login", "/login", False),
    ("report-form", "/report/support", False),
    ("status-public", "/status", False),
]

# Everything (elements and runs of text) whose box reaches past the right edge of the viewport
# or of the card it is in, unless it sits inside a container marked `.scroll-x` (one that
# scrolls sideways on purpose and shows that it does).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px`);
  }
  const name = (el) => {
    const classes = typeof el.className === 'string' ? el.className.split(/\\s+/) : [];
    const tag = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    return [tag, ...classes.filter(Boolean)].join('.');
  };
  const check = (node, element, box) => {
    if (box.width === 0 || box.height === 0) return;
    if (element.closest('.scroll-x, .sr-only, .skip')) return;
    const text = (node.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    if (box.right > width + 0.5) {
      found.push(`${name(element)} reaches ${Math.round(box.right)}px: ${text}`);
      return;
    }
    const card = element.closest('.card, main');
    const edge = card && card.getBoundingClientRect().right;
    if (card && card !== element && box.right > edge + 0.5) {
      const over = Math.round(box.right - edge);
      found.push(`${name(element)} spills ${over}px out of ${name(card)}: ${text}`);
    }
  };
  for (const el of document.body.querySelectorAll('*')) check(el, el, el.getBoundingClientRect());
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    check(node, node.parentElement, range.getBoundingClientRect());
  }
  return found;
}"""

# Controls a thumb has to hit: at least 32 px high on a phone (WCAG asks for 24).
SMALL_TARGETS = """() => {
  const found = [];
  const selector = 'button, select, input:not([type=hidden]), textarea, summary, .nav a, .menu a';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const text = (el.textContent || el.name || '').trim().slice(0, 40);
    const tag = el.tagName.toLowerCase();
    if (box.height < 32) found.push(`${tag} ${Math.round(box.height)}px: ${text}`);
  }
  return found;
}"""


def hrefs(links: Locator) -> list[str]:
    return links.evaluate_all("links => links.map(a => a.getAttribute('href'))")


def menu_problems(page: Page) -> list[str]:
    """Every link of the navigation can be seen: on a laptop in the bar; on a phone, where the
    bar has no room for them, behind one visible Menu button, inside the screen once opened."""
    every = set(hrefs(page.locator(".bar nav a")))
    if page.viewport_size == PHONE:
        if page.locator(".bar nav a:visible").count():
            return ["the phone shows links of the navigation bar without a menu"]
        menu = page.locator(".bar summary")
        if not menu.is_visible() or "Menu" not in menu.inner_text():
            return ["no visible Menu button on a phone"]
        menu.click()
    shown = page.locator(".bar nav a:visible")
    problems = [f"the link to {path} cannot be seen" for path in every - set(hrefs(shown))]
    problems += [
        f"the link {shown.nth(i).inner_text()!r} is off-screen"
        for i in range(shown.count())
        if not _in_viewport(shown.nth(i))
    ]
    if page.viewport_size == PHONE:
        problems += [f"with the menu open: {found}" for found in page.evaluate(OVERFLOW)]
    return problems


def _in_viewport(link: Locator) -> bool:
    box = link.bounding_box()
    size = link.page.viewport_size
    return bool(box and size and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


def crawl(page: Page, server: str, seeded: Seeded, size: str, logged_in: bool) -> list[str]:
    """Visit every page; return what does not fit, page by page."""
    ids = asdict(seeded)
    visits = [(name, path.format(**ids)) for name, path, auth in PAGES if auth == logged_in]
    problems = []
    if logged_in:
        page.goto(f"{server}/")
        problems += [f"navigation at {size}: {found}" for found in menu_problems(page)]
        seen = {path for _, path in visits}
        for path in hrefs(page.locator(".bar .nav a")):
            if path.startswith("/") and path not in seen:
                visits.append((path.strip("/").replace("/", "-"), path))
    for name, path in visits:
        page.goto(f"{server}{path}")
        shoot(page, f"layout-{name}-{size}")
        problems += [f"{name} ({path}) at {size}: {found}" for found in page.evaluate(OVERFLOW)]
        if size == "phone":
            problems += [
                f"{name} at {size}: small {found}" for found in page.evaluate(SMALL_TARGETS)
            ]
    return problems


def test_every_page_fits_a_phone_and_a_laptop(site: tuple[str, Seeded], browser: Browser) -> None:
    server, seeded = site
    errors: list[str] = []
    problems: list[str] = []
    for size, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
        for logged_in in (False, True):
            context = browser.new_context(viewport=viewport)
            page = log_in(context, server, USERNAME, PASSWORD) if logged_in else context.new_page()
            watch_for_errors(page, errors)
            problems += crawl(page, server, seeded, size, logged_in)
            context.close()
    (ARTIFACTS / "layout-problems.txt").write_text("".join(f"{p}\n" for p in problems))
    assert problems == []
    assert errors == []
