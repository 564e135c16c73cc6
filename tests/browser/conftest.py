"""The headless Chromium every browser test drives (skipped, or failed in CI, without it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import unavailable


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable("Chromium", f"no {CHROMIUM}; install Debian's chromium package")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            unavailable("Chromium", f"{CHROMIUM} does not start: {error.message.splitlines()[0]}")
        yield launched
        launched.close()
