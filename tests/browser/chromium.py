"""What browser tests share: the app on a real uvicorn server on loopback, how Chromium is
started, and screenshots in test-artifacts/ for a person to look at."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from onwatch.web.app import create_app
from onwatch.web.context import AppContext

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAPTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}


@contextmanager
def serve(ctx: AppContext) -> Iterator[str]:
    """The app on a real uvicorn server on a free loopback port, in a background thread."""
    # Bound and listening before the thread starts: early connections wait in the backlog,
    # so there is nothing to poll for.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(ctx), log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(context: BrowserContext, server: str, username: str, password: str) -> Page:
    """A new page of `context`, logged in through the form, on the overview."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/")
    return page


def watch_for_errors(page: Page, problems: list[str]) -> None:
    """Console errors (a CSP violation is one) and uncaught exceptions, as they happen."""

    def on_console(message: ConsoleMessage) -> None:
        # The error page answers 404 on purpose; the browser logs that status as an error.
        if message.type == "error" and "404" not in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
