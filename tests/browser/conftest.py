"""The headless Chromium every browser test drives (skipped, or failed in CI, without it), and
the seeded site most of them look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.web.context import AppContext
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, serve
from tests.browser.seeding import Seeded, seed
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


@pytest.fixture
def site(sqlite_db: Database, clock: FakeClock, tmp_path: Path) -> Iterator[tuple[str, Seeded]]:
    """The app with a realistic organisation and a busy night (tests/browser/seeding.py)."""
    seeded = seed(sqlite_db, clock)
    with serve(AppContext(db=sqlite_db, settings=Settings(data_dir=tmp_path), clock=clock)) as url:
        yield url, seeded
