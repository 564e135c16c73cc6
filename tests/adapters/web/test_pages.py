"""The directory pages render who answers for what, link it together, and filter; unknown names
and addresses get a page, not a stack trace or JSON."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory import actions
from onwatch.directory.specs import (
    ContactMethodSpec,
    PersonSpec,
    RunbookSpec,
    ServiceSpec,
    TeamRoleSpec,
    TeamSpec,
)
from onwatch.web.security import SESSION_COOKIE


def text_of(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def sign_in(client: TestClient, db: Database, clock: FakeClock, role: str = "viewer") -> str:
    """A real web session for a new user (the login form itself is covered in test_login)."""
    with db.transaction() as session:
        user = auth.create_user(
            session,
            username=f"{role}-user",
            password="correct horse battery",
            role=role,
            actor="test",
            now=clock.now(),
        )
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, started.cookie)
    return started.cookie


@pytest.fixture
def org(db: Database, clock: FakeClock) -> None:
    """Two teams, an upstream identity provider, and services that lean on each other."""
    now = clock.now()
    people = [
        PersonSpec(
            handle="ann",
            name="Ann Archer",
            email="ann@example.org",
            time_zone="America/New_York",
            contact_methods=[ContactMethodSpec(type="phone", address="+1 555 0100", label="cell")],
        ),
        PersonSpec(handle="bob", name="Bob Baker", email="bob@example.org"),
        PersonSpec(handle="cy", name="Cy Chen", email="cy@example.org"),
    ]
    with db.transaction() as session:
        for person in people:
            actions.put_person(session, person, actor="test", now=now)
        actions.put_team(
            session,
            TeamSpec(
                name="payments",
                display_name="Payments Squad",
                members=["ann", "bob"],
                tech_lead="ann",
                roles={
                    "product_owner": TeamRoleSpec(person="bob", backup="ann"),
                    "incident_commander": TeamRoleSpec(person="ann"),
                },
            ),
            actor="test",
            now=now,
        )
        actions.put_team(session, TeamSpec(name="ghosts"), actor="test", now=now)
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
                team="payments",
                description="Takes the money.",
                depends_on=["idp"],
                runbooks=[RunbookSpec(title="Drain a node", url="https://runbooks.example/drain")],
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
        actions.put_service(session, ServiceSpec(name="orphan"), actor="test", now=now)


@pytest.fixture
def viewer(client: TestClient, db: Database, clock: FakeClock, org: None) -> TestClient:
    sign_in(client, db, clock)
    return client


def test_services_page_lists_each_service_with_owner_and_lead(viewer: TestClient) -> None:
    page = viewer.get("/services")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = text_of(page.text)
    assert "4 services" in text
    health = "no incidents no schedule for its team"
    assert f"checkout ours {health} Payments Squad Ann Archer via team idp ledger Drain a" in text
    assert f"ledger ours {health} Payments Squad Cy Chen checkout" in text
    assert "idp upstream Identity provider" in text
    assert f"orphan ours {health} no owner none" in text
    assert 'href="/services/checkout"' in page.text
    assert 'href="/teams/payments"' in page.text


def test_service_page_answers_who_owns_it(viewer: TestClient) -> None:
    page = viewer.get("/services/checkout")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "checkout ours" in text
    assert "Takes the money." in text
    assert "Owner team Payments Squad" in text
    assert "Tech lead Ann Archer (inherited from the team)" in text
    assert "+1 555 0100 (cell)" in text
    assert "incident commander Ann Archer" in text
    assert "product owner Bob Baker" in text
    assert re.search(r"product owner Bob Baker .*? Ann Archer", text)
    assert "Depends on idp upstream Used by ledger ours" in text
    assert 'href="https://runbooks.example/drain"' in page.text
    for link in ("/services/idp", "/services/ledger", "/people/ann", "/people/bob"):
        assert f'href="{link}"' in page.text


def test_service_page_says_when_the_lead_is_set_on_the_service(viewer: TestClient) -> None:
    text = text_of(viewer.get("/services/ledger").text)
    assert "Tech lead Cy Chen (set on this service)" in text


def test_upstream_service_page_says_we_do_not_run_it(viewer: TestClient) -> None:
    text = text_of(viewer.get("/services/idp").text)
    assert "idp upstream" in text
    assert "Upstream dependency: another organisation runs it." in text
    assert "Used by checkout ours" in text
    assert "Owner team None of ours Tech lead None of ours" in text


def test_team_page_shows_lead_roles_services_and_members(viewer: TestClient) -> None:
    page = viewer.get("/teams/payments")
    text = text_of(page.text)
    assert "Payments Squad payments" in text
    assert "Tech lead Ann Archer" in text
    assert "product owner Bob Baker" in text
    assert "Services owned checkout ours lead Ann Archer via team ledger ours lead Cy Chen" in text
    assert "Members 2" in text
    assert "Ann Archer tech lead America/New_York" in text
    assert 'href="tel:+15550100"' in page.text


def test_person_page_shows_reach_teams_roles_and_what_they_lead(viewer: TestClient) -> None:
    page = viewer.get("/people/ann")
    text = text_of(page.text)
    assert "Ann Archer ann · America/New_York" in text
    assert "email ann@example.org" in text
    assert "phone +1 555 0100 (cell)" in text
    assert "Teams Payments Squad" in text
    assert "incident commander · Payments Squad" in text
    assert "product owner backup · Payments Squad" in text
    assert "team Payments Squad" in text
    assert "service checkout via team Payments Squad" in text
    assert "service ledger" not in text
    assert 'href="mailto:ann@example.org"' in page.text


def test_person_who_leads_nothing_says_so(viewer: TestClient) -> None:
    text = text_of(viewer.get("/people/cy").text)
    assert "Not a member of any team." in text
    assert "service ledger" in text


def test_teams_and_people_lists(viewer: TestClient) -> None:
    teams = text_of(viewer.get("/teams").text)
    assert "Payments Squad payments Ann Archer" in teams
    assert "ghosts none — no members —" in teams
    people = text_of(viewer.get("/people").text)
    assert "3 people" in people
    assert "Bob Baker bob UTC email bob@example.org" in people


def test_home_counts_the_directory_and_names_the_gaps(viewer: TestClient) -> None:
    text = text_of(viewer.get("/").text)
    assert "3 services we run 1 upstream 2 teams 3 people" in text
    assert "No owner team: orphan" in text
    assert "No tech lead: orphan" in text
    assert "Teams without members: ghosts" in text


@pytest.mark.parametrize(
    ("path", "q", "shown"),
    [
        ("/services", "payments", ["checkout", "ledger"]),
        ("/services", "UPSTREAM", ["idp"]),
        ("/services", "cy chen", ["ledger"]),
        ("/teams", "bob", ["payments"]),
        ("/people", "555 0100", ["ann"]),
    ],
)
def test_filter_box_narrows_a_list(viewer: TestClient, path: str, q: str, shown: list[str]) -> None:
    page = viewer.get(path, params={"q": q})
    rows = re.findall(r'class="primary-cell"><a[^>]*href="/[a-z]+/([a-z0-9-]+)"', page.text)
    assert rows == shown
    assert f"{len(shown)} of" in text_of(page.text)


def test_htmx_filter_gets_only_the_results(viewer: TestClient) -> None:
    page = viewer.get(
        "/services", params={"q": "nothing-like-this"}, headers={"hx-request": "true"}
    )
    assert page.text.lstrip().startswith('<div id="results">')
    assert "<html" not in page.text
    assert "No service matches" in page.text
    assert page.headers["vary"] == "HX-Request"
    restored = viewer.get(
        "/services", headers={"hx-request": "true", "hx-history-restore-request": "true"}
    )
    assert "<html" in restored.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/services/nope", "No service 'nope'."),
        ("/teams/nope", "No team 'nope'."),
        ("/people/nope", "No person 'nope'."),
    ],
)
def test_unknown_name_gets_a_friendly_404_page(viewer: TestClient, path: str, message: str) -> None:
    page = viewer.get(path)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert message in text_of(page.text)
    assert 'href="/services"' in page.text


def test_unknown_address_is_a_page_for_browsers_and_json_for_programs(
    viewer: TestClient,
) -> None:
    page = viewer.get("/no/such/page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "There is no page at /no/such/page." in text_of(page.text)
    assert viewer.get("/no/such/page").json()["error"]["code"] == "http_404"
    api = viewer.get("/api/v1/nothing", headers={"accept": "text/html"})
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "http_404"


def test_names_from_the_directory_are_escaped(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        actions.put_service(
            session,
            ServiceSpec(name="x", description='<script>alert("owned")</script>'),
            actor="test",
            now=clock.now(),
        )
    sign_in(client, db, clock)
    page = client.get("/services/x")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text


def test_nav_shows_admin_pages_only_to_admins(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    sign_in(client, db, clock, role="viewer")
    page = client.get("/services")
    assert 'href="/admin/tokens"' not in page.text
    assert '<a href="/services" aria-current="page">Services</a>' in page.text
    client.cookies.clear()
    sign_in(client, db, clock, role="admin")
    assert 'href="/admin/tokens"' in client.get("/").text


def test_pages_carry_the_session_csrf_token_for_htmx(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    cookie = sign_in(client, db, clock)
    page = client.get("/")
    from_header = re.search(r'hx-headers=\'\{"x-csrf-token": "([0-9a-f]+)"\}\'', page.text)
    from_form = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert from_header and from_form
    assert from_header.group(1) == from_form.group(1) != cookie
