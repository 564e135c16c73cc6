"""The incident page answers "who do I call and what do I do": who is on call for its service
now (or its tech lead) with links to reach them, its runbooks, a note box and a reopen button
(CSRF-guarded, audited), "silence this" prefilled from its alerts' labels, people's names for
who did what, a sev1 that cannot be missed, and a timeline that refreshes without the note box."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.responding import acknowledge_incident, resolve_incident
from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory import actions as directory
from onwatch.directory.queries import get_service
from onwatch.directory.specs import (
    ContactMethodSpec,
    PersonSpec,
    RunbookSpec,
    ServiceSpec,
    TeamSpec,
)
from onwatch.incidents.actions import add_note
from onwatch.schedules.actions import put_schedule
from onwatch.schedules.specs import LayerSpec, ScheduleSpec
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.adapters.web.test_pages import text_of

RUNBOOK = "https://example.org/runbooks/reader-disk"


@pytest.fixture
def org(db: Database, clock: FakeClock) -> None:
    """ann (phone, sms) is on call for `reader`; `dispatch` has no schedule, so its team's tech
    lead bob answers. Logins: ann-web is linked to ann, ops is linked to nobody."""
    now = clock.now()
    with db.transaction() as session:
        directory.put_person(
            session,
            PersonSpec(
                handle="ann",
                name="Ann Archer",
                email="ann@example.org",
                contact_methods=[
                    ContactMethodSpec(type="phone", address="+1 555 0100", label="cell"),
                    ContactMethodSpec(type="slack", address="U0ANN"),
                ],
            ),
            actor="test",
            now=now,
        )
        directory.put_person(
            session,
            PersonSpec(handle="bob", name="Bob Baker", email="bob@example.org"),
            actor="test",
            now=now,
        )
        directory.put_team(
            session,
            TeamSpec(name="storage", members=["ann", "bob"], tech_lead="bob"),
            actor="test",
            now=now,
        )
        directory.put_service(
            session,
            ServiceSpec(
                name="reader",
                team="storage",
                runbooks=[RunbookSpec(title="Disk full on a replica", url=RUNBOOK)],
            ),
            actor="test",
            now=now,
        )
        directory.put_service(
            session, ServiceSpec(name="dispatch", team="storage"), actor="test", now=now
        )
        put_schedule(
            session,
            ScheduleSpec(
                name="storage-on-call",
                time_zone="America/New_York",
                services=["reader"],
                layers=[
                    LayerSpec(
                        members=["ann"],
                        shift_length=timedelta(weeks=1),
                        start_date=date(2026, 1, 5),
                    )
                ],
            ),
            actor="test",
            now=now,
        )
        for username, person in (("ann-web", "ann"), ("ops", None)):
            auth.create_user(
                session,
                username=username,
                password="correct horse battery",
                role="responder",
                actor="test",
                now=now,
                person_handle=person,
            )


def log_in(client: TestClient, db: Database, clock: FakeClock, username: str) -> str:
    """A web session for an existing login; returns its CSRF token."""
    with db.transaction() as session:
        user = auth.authenticate(session, username, "correct horse battery")
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, started.cookie)
    return csrf_token_for(started.cookie)


def section(page: str, section_id: str) -> str:
    """The text of one card of the page."""
    return text_of(page.split(f'id="{section_id}"')[1].split("</section>")[0])


@pytest.fixture
def fire(db: Database, clock: FakeClock, org: None) -> Any:
    """fire(service, key, severity="error", **labels) -> the incident id the alert lands in."""

    def go(service: str, key: str, severity: str = "error", **labels: str) -> int:
        event = AlertEvent(
            "trigger", key, summary=f"{key} is broken", severity=severity, labels=labels
        )
        with db.transaction() as session:
            [outcome] = ingest(
                session,
                [Routed(get_service(session, service).id, service, event)],
                integration_id=None,
                now=clock.advance(timedelta(minutes=1)),
            )
        return outcome.incident_id

    return go


def test_the_page_names_who_is_on_call_with_links_to_reach_them_and_the_runbooks(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    log_in(client, db, clock, "ops")
    page = client.get(f"/incidents/{incident}").text
    who = section(page, "answering")
    assert "Who to call primary · storage-on-call" in who
    assert "Ann Archer" in who and "+1 555 0100 (cell)" in who and "U0ANN" in who
    assert 'href="tel:+15550100"' in page and 'href="mailto:ann@example.org"' in page
    assert 'href="/people/ann"' in page
    assert "Bob Baker" not in who  # someone is on call: the tech lead is not the first call
    assert f'<a href="{RUNBOOK}" rel="noopener noreferrer">Disk full on a replica</a>' in page


def test_without_a_schedule_the_page_names_the_teams_tech_lead(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("dispatch", "queue")
    log_in(client, db, clock, "ops")
    page = client.get(f"/incidents/{incident}").text
    who = section(page, "answering")
    assert re.search(
        r"No schedule answers for dispatch\. Its tech lead \(of the team storage ?\): "
        r"Bob Baker email bob@example\.org",
        who,
    )
    assert 'href="mailto:bob@example.org"' in page
    assert "None for dispatch yet" in text_of(page)  # no runbooks


def test_silence_this_opens_the_silence_form_prefilled_with_the_labels_all_alerts_share(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk", app="reader", env="prod", alertname="DiskFull")
    fire("reader", "inodes", app="reader", env="prod", alertname="InodesLow")
    log_in(client, db, clock, "ops")
    page = client.get(f"/incidents/{incident}").text
    link = re.search(r'<a class="button" href="([^"]+)"[^>]*>Silence this', page)
    assert link is not None
    url = html.unescape(link.group(1))
    assert urlsplit(url).path == "/silences"
    assert parse_qs(urlsplit(url).query)["matcher"] == [
        'service="reader"',
        'app="reader"',
        'env="prod"',
    ]
    form = client.get(url).text
    textarea = re.search(r'<textarea name="matchers"[^>]*>([^<]*)</textarea>', form)
    assert textarea is not None
    assert html.unescape(textarea.group(1)).splitlines() == [
        'service="reader"',
        'app="reader"',
        'env="prod"',
    ]


def test_the_timeline_shows_peoples_names_not_actor_strings(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    csrf = log_in(client, db, clock, "ann-web")
    acked = client.post(f"/incidents/{incident}/acknowledge", data={"csrf_token": csrf})
    assert acked.status_code == 200  # followed the redirect back to the page
    with db.transaction() as session:
        add_note(session, incident, "from the shell", actor="cli:root", now=clock.now())
        add_note(session, incident, "from CI", actor="token:ci", now=clock.now())
        resolve_incident(session, incident, actor="engine:heartbeats", now=clock.now())
    page = client.get(f"/incidents/{incident}").text
    timeline = section(page, "timeline-card")
    assert "Ann Archer Acknowledged" in timeline
    assert "root (command line) noted from the shell" in timeline
    assert "token ci noted from CI" in timeline
    assert "onwatch Resolved" in timeline
    main = page.split("<main")[1]  # the bar says which login is yours, as it should
    assert "user:ann-web" not in main and "cli:root" not in main and "token:ci" not in main


def test_a_responder_adds_a_note_with_the_form_csrf_guarded_and_audited(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    csrf = log_in(client, db, clock, "ann-web")
    url = f"/incidents/{incident}/notes"
    assert client.post(url, data={"text": "no token"}).status_code == 403
    added = client.post(
        url,
        data={"text": "Failing over to the replica.\nETA 10 min.", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert re.fullmatch(rf"/incidents/{incident}#entry-\d+", added.headers["location"])
    page = client.get(f"/incidents/{incident}").text
    assert "Ann Archer noted Failing over to the replica. ETA 10 min." in text_of(page)
    with db.read() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "incident.note"))
    assert (entry.actor, entry.entity_key) == ("user:ann-web", str(incident))

    too_long = "x" * 10_001
    refused = client.post(url, data={"text": too_long, "csrf_token": csrf})
    assert refused.status_code == 422
    assert "text: at most 10000 characters" in text_of(refused.text)
    assert f">{too_long}</textarea>" in refused.text  # what was typed is not lost


def test_a_viewer_sees_no_note_box_and_cannot_post_one(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    with db.transaction() as session:
        auth.create_user(
            session,
            username="watcher",
            password="correct horse battery",
            role="viewer",
            actor="test",
            now=clock.now(),
        )
    csrf = log_in(client, db, clock, "watcher")
    page = client.get(f"/incidents/{incident}").text
    assert "<textarea" not in page and "Silence this" not in page
    refused = client.post(f"/incidents/{incident}/notes", data={"text": "hi", "csrf_token": csrf})
    assert refused.status_code == 403


def test_a_resolved_incident_reopens_from_its_page_unless_another_holds_its_group(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    first = fire("reader", "disk")
    with db.transaction() as session:
        acknowledge_incident(session, first, actor="user:ann-web", now=clock.now())
        resolve_incident(session, first, actor="user:ann-web", now=clock.now())
    csrf = log_in(client, db, clock, "ann-web")
    page = client.get(f"/incidents/{first}").text
    assert ">Reopen</button>" in page and ">Resolve</button>" not in page
    reopened = client.post(f"/incidents/{first}/reopen", data={"csrf_token": csrf})
    assert reopened.status_code == 200
    text = text_of(reopened.text)
    assert "Ann Archer Reopened" in text and "acknowledged" in text
    assert ">Resolve</button>" in reopened.text

    assert client.post(f"/incidents/{first}/resolve", data={"csrf_token": csrf}).status_code == 200
    second = fire("reader", "disk")
    refused = client.post(f"/incidents/{first}/reopen", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert f"incident {second} is open for the same service and group" in text_of(refused.text)


def test_the_page_polls_a_fragment_that_carries_everything_but_the_note_box(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    log_in(client, db, clock, "ops")
    page = client.get(f"/incidents/{incident}").text
    assert (
        f'hx-get="/incidents/{incident}/live" hx-trigger="every 15s, poll-now" hx-swap="none"'
        in page
    )
    with db.transaction() as session:
        add_note(session, incident, "written elsewhere", actor="token:ci", now=clock.now())
    live = client.get(f"/incidents/{incident}/live")
    assert live.status_code == 200
    swapped = re.findall(r'id="([^"]+)"[^>]*hx-swap-oob="true"', live.text)
    assert swapped == ["incident-head", "answering", "facts-card", "numbers-card", "timeline-card"]
    assert "written elsewhere" in live.text and "Ann Archer" in live.text
    assert "<textarea" not in live.text and "<html" not in live.text


def test_a_sev1_is_unmistakable_on_its_page_and_in_the_list(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "db-down", severity="critical")
    log_in(client, db, clock, "ops")
    page = client.get(f"/incidents/{incident}").text
    assert 'class="page-head incident-head sev-sev1"' in page
    assert '<span class="tag severity sev-sev1">sev1</span>' in page
    assert '<span class="tag severity sev-sev1">sev1</span>' in client.get("/incidents").text
