"""The UI in a real headless Chromium against a real uvicorn server: log in, find a service,
open it, log out. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory import actions
from onwatch.directory.specs import (
    ContactMethodSpec,
    PersonSpec,
    RunbookSpec,
    ServiceSpec,
    TeamRoleSpec,
    TeamSpec,
)
from onwatch.web.context import AppContext
from tests.browser.chromium import LAPTOP, PHONE, serve, shoot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def fill_directory(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.transaction() as session:
        auth.create_user(
            session, username="ann", password=PASSWORD, role="admin", actor="test", now=now
        )
        for handle, name, phone in [
            ("ann", "Ann Archer", "+1 555 0100"),
            ("bob", "Bob Baker", "+1 555 0101"),
            ("cy", "Cy Chen", None),
        ]:
            contacts = [ContactMethodSpec(type="phone", address=phone)] if phone else []
            actions.put_person(
                session,
                PersonSpec(
                    handle=handle,
                    name=name,
                    email=f"{handle}@example.org",
                    time_zone="America/New_York",
                    contact_methods=contacts,
                ),
                actor="test",
                now=now,
            )
        actions.put_team(
            session,
            TeamSpec(
                name="payments",
                display_name="Payments",
                members=["ann", "bob", "cy"],
                tech_lead="ann",
                roles={
                    "product_owner": TeamRoleSpec(person="bob", backup="cy"),
                    "incident_commander": TeamRoleSpec(person="ann", backup="bob"),
                },
            ),
            actor="test",
            now=now,
        )
        actions.put_service(
            session,
            ServiceSpec(name="idp", display_name="Identity provider", controlled=False),
            actor="test",
            now=now,
        )
        actions.put_service(
            session,
            ServiceSpec(
                name="checkout",
                display_name="Checkout API",
                description="Takes card payments for every storefront.",
                team="payments",
                depends_on=["idp"],
                runbooks=[
                    RunbookSpec(title="Drain a node", url="https://runbooks.example/drain"),
                    RunbookSpec(title="Card processor outage", url="https://runbooks.example/cp"),
                ],
            ),
            actor="test",
            now=now,
        )
        actions.put_service(
            session,
            ServiceSpec(name="ledger", team="payments", tech_lead="cy", depends_on=["checkout"]),
            actor="test",
            now=now,
        )


@pytest.fixture
def server(sqlite_db: Database, clock: FakeClock, tmp_path: Path) -> Iterator[str]:
    fill_directory(sqlite_db, clock)
    with serve(AppContext(db=sqlite_db, settings=Settings(data_dir=tmp_path), clock=clock)) as url:
        yield url


def test_log_in_find_a_service_open_it_and_log_out(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/services")
    page.wait_for_url(re.compile(r"/login\?next=%2Fservices$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    shoot(page, "login-error")

    # From here on no request should fail and nothing should break the page's rules (CSP).
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/services")
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    names = page.locator("#results td.primary-cell > a")
    expect(names).to_have_text(["checkout", "idp", "ledger"])
    expect(page.get_by_role("link", name="Services")).to_have_attribute("aria-current", "page")
    shoot(page, "services-laptop")

    # Live filtering through htmx, under the real Content-Security-Policy.
    page.get_by_label("Filter services").fill("upstream")
    expect(names).to_have_text(["idp"])
    page.wait_for_url(f"{server}/services?q=upstream")
    page.get_by_label("Filter services").fill("")
    expect(names).to_have_text(["checkout", "idp", "ledger"])

    names.filter(has_text="checkout").click()
    page.wait_for_url(f"{server}/services/checkout")
    expect(page.get_by_role("heading", name="checkout")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Ann Archer (inherited from the team)")
    expect(page.get_by_role("link", name="Drain a node")).to_be_visible()
    shoot(page, "service-laptop")
    page.set_viewport_size(PHONE)
    shoot(page, "service-phone")
    page.emulate_media(color_scheme="dark")
    shoot(page, "service-phone-dark")
    page.emulate_media(color_scheme="light")
    page.goto(f"{server}/services")
    shoot(page, "services-phone")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{server}/teams/payments")
    shoot(page, "team-laptop")
    page.goto(f"{server}/people/ann")
    shoot(page, "person-laptop")
    page.goto(f"{server}/")
    shoot(page, "home-laptop")

    # A form post from a real browser carries the session's CSRF token.
    page.get_by_role("link", name="Tokens", exact=True).click()
    page.get_by_label("Name").fill("ci-deploys")
    page.get_by_label("Role").select_option("responder")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_label("The new token")).to_have_value(re.compile(r"^owt_"))
    expect(page.locator("table.grid")).to_contain_text("ci-deploys")
    shoot(page, "tokens-laptop")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{server}/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(f"{server}/services")
    page.wait_for_url(re.compile(r"/login\?next=%2Fservices$"))

    assert problems == []
    context.close()
