"""Ack and resolve links in messages: opening one (a person, or a mail scanner) changes nothing;
the button on its page acts, as the person the link was made for, with a timeline entry and an
audit entry that say so. An expired, edited, re-keyed or misused link is a 4xx page with one
sentence that shows nothing of the incident, and changes nothing."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.responding import acknowledge_incident, resolve_incident
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.directory import actions as directory
from onwatch.directory.queries import get_person
from onwatch.directory.specs import PersonSpec, ServiceSpec
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.notifications import links
from tests.adapters.web.test_overview import fire
from tests.adapters.web.test_pages import text_of
from tests.conftest import bearer
from tests.timeline import unruled

TITLE = "checkout: card payments failing"
BASE = "http://testserver"


@dataclass(frozen=True)
class Sent:
    """A triggered incident, and the links a message to a person about it holds."""

    incident: int
    people: dict[str, int]
    key: bytes  # the app's: the key file in the test's data directory
    clock: FakeClock

    def links(self, handle: str = "ann", key: bytes | None = None) -> tuple[str, str]:
        """(ack path, resolve path) of the person's message, sent now by e-mail."""
        return tuple(  # type: ignore[return-value]
            url.removeprefix(BASE)
            for url in links.links_for(
                BASE,
                key or self.key,
                self.incident,
                self.people[handle],
                self.clock.now(),
                via="email",
            )
        )

    def confirm(self, path: str) -> str:
        """What the link's own page posts back."""
        return links.form_token(path.rsplit("/", 1)[1], self.key)


@pytest.fixture
def sent(db: Database, settings: Settings, clock: FakeClock) -> Sent:
    """Ann, Bob and Cy; services checkout and refunds; a sev1 incident of checkout opened at
    14:01."""
    with db.transaction() as session:
        for handle, name in (("ann", "Ann Archer"), ("bob", "Bob Baker"), ("cy", "Cy Chen")):
            directory.put_person(
                session,
                PersonSpec(handle=handle, name=name, email=f"{handle}@example.org"),
                actor="test",
                now=clock.now(),
            )
        for service in ("checkout", "refunds"):
            directory.put_service(session, ServiceSpec(name=service), actor="test", now=clock.now())
        people = {h: get_person(session, h).id for h in ("ann", "bob", "cy")}
    clock.advance(timedelta(minutes=1))
    return Sent(
        fire(db, clock, "checkout", "critical", TITLE), people, signing_key(settings), clock
    )


def state(db: Database, incident: int) -> tuple[str, list[tuple[str, str]], list[str]]:
    """The incident's status, its timeline (kind, actor) and its audit actions."""
    with db.read() as session:
        status = session.get(Incident, incident).status
        timeline = session.execute(
            select(TimelineEntry.kind, TimelineEntry.actor)
            .where(TimelineEntry.incident_id == incident)
            .order_by(TimelineEntry.id)
        ).all()
        audit = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_key == str(incident))
        ).all()
    return status, unruled(tuple(t) for t in timeline), unruled(audit)


def press(client: TestClient, path: str) -> Any:
    """Open the link's page and press its button."""
    page = client.get(path)
    confirm = re.search(r'name="confirm" value="([^"]+)"', page.text)
    assert confirm is not None, page.text
    return client.post(path, data={"confirm": confirm.group(1)})


def test_opening_an_ack_link_changes_nothing_and_its_button_acknowledges_as_the_person(
    client: TestClient, db: Database, sent: Sent, tokens: dict[str, str]
) -> None:
    incident = sent.incident
    ack, _ = sent.links()
    before = state(db, incident)

    page = client.get(ack)
    assert page.status_code == 200
    assert f"Acknowledge incident #{incident}?" in page.text
    assert TITLE in page.text and "Acknowledge as Ann Archer" in page.text
    assert "triggered" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert client.head(ack).status_code == 405  # as every page: GET only
    assert state(db, incident) == before  # opening it (twice) changed nothing

    sent.clock.advance(timedelta(minutes=3))
    done = press(client, ack)
    assert done.status_code == 200
    assert f"Acknowledged incident #{incident}" in done.text
    assert "Acknowledged by Ann Archer at 2026-03-02 14:04 UTC" in text_of(done.text)
    status, timeline, audit = state(db, incident)
    assert status == "acknowledged"
    # Ann acknowledged first, so she is also the incident's commander (incidents/roles.py).
    assert timeline[-2:] == [("role", "link:ann:email"), ("acknowledged", "link:ann:email")]
    assert audit == ["incident.assign_role", "incident.acknowledge"]
    with db.read() as session:
        entry = session.scalars(select(AuditEntry)).all()[-1]
        assert (entry.actor, entry.at, entry.after) == (
            "link:ann:email",
            sent.clock.now(),
            {"status": "acknowledged"},
        )
    shown = client.get(f"/api/v1/incidents/{incident}", headers=bearer(tokens["viewer"])).json()
    assert shown["timeline"][-1]["actor_name"] == "Ann Archer via email link"
    assert shown["timeline"][-1]["at"].startswith("2026-03-02T14:04:00")
    assert shown["alerts"][0]["status"] == "acknowledged"
    overview = text_of(client.get("/", headers=bearer(tokens["viewer"])).text)
    assert f"#{incident} {TITLE} sev1 acknowledged checkout 3 min Ann Archer acknowledged" in (
        overview
    )

    # Posted again (a reload of the result): calm, and nothing new.
    again = client.post(ack, data={"confirm": sent.confirm(ack)})
    assert again.status_code == 200
    assert f"Incident #{incident} is already acknowledged" in again.text
    assert state(db, incident) == (status, timeline, audit)


def test_a_resolve_link_resolves_as_the_person(
    client: TestClient, db: Database, sent: Sent
) -> None:
    _, resolve = sent.links("bob")
    assert "Resolve as Bob Baker" in client.get(resolve).text
    done = press(client, resolve)
    assert f"Resolved incident #{sent.incident}" in done.text
    status, timeline, audit = state(db, sent.incident)
    assert (status, timeline[-1], audit) == (
        "resolved",
        ("resolved", "link:bob:email"),
        ["incident.resolve"],
    )
    assert f"Incident #{sent.incident} is already resolved" in client.get(resolve).text


def test_a_scanner_that_follows_the_link_or_posts_without_the_page_changes_nothing(
    client: TestClient, db: Database, sent: Sent
) -> None:
    before = state(db, sent.incident)
    client.cookies.clear()
    for path in sent.links():
        assert client.get(path, headers={"user-agent": "LinkScanner/1.0"}).status_code == 200
        blind = client.post(path)  # a form on another site cannot know the page's value
        assert blind.status_code == 403
        assert "works only on the link's own page" in html.unescape(blind.text)
        assert client.post(path, data={"confirm": "x" * 22}).status_code == 403
    assert state(db, sent.incident) == before
    assert before[0] == "triggered"


def test_an_expired_link_is_410_and_changes_nothing(
    client: TestClient, db: Database, sent: Sent, settings: Settings
) -> None:
    ack, _ = sent.links()
    sent.clock.advance(timedelta(hours=settings.link_lifetime_hours))
    before = state(db, sent.incident)
    for answer in (client.get(ack), client.post(ack, data={"confirm": sent.confirm(ack)})):
        assert answer.status_code == 410
        assert "This link expired at 2026-03-03 14:01 UTC" in answer.text
        assert TITLE not in answer.text
    assert state(db, sent.incident) == before


def test_an_edited_link_for_another_incident_or_person_is_403_and_changes_neither(
    client: TestClient, db: Database, sent: Sent
) -> None:
    mine, other = sent.incident, fire(db, sent.clock, "refunds", "critical", TITLE)
    prefix, text = sent.links()[0].rsplit("/", 1)
    code, incident, person, *rest = text.split(".")
    assert (int(incident), int(person)) == (mine, sent.people["ann"]) and mine != other
    edited = [
        ".".join([code, str(other), person, *rest]),  # Ann's link, pointed at another incident
        ".".join([code, incident, str(sent.people["bob"]), *rest]),  # Ann's link, as Bob
    ]
    before = state(db, mine), state(db, other)
    for path in (f"{prefix}/{t}" for t in edited):
        for answer in (client.get(path), client.post(path, data={"confirm": sent.confirm(path)})):
            assert answer.status_code == 403
            assert "This link is not valid: it was changed" in answer.text
            assert TITLE not in answer.text and "Bob Baker" not in answer.text
    assert (state(db, mine), state(db, other)) == before


def test_a_link_signed_with_a_key_onwatch_no_longer_has_is_403(
    client: TestClient, db: Database, sent: Sent
) -> None:
    ack, _ = sent.links(key=b"the key before rotation, forty characters")
    before = state(db, sent.incident)
    assert client.get(ack).status_code == 403
    assert client.post(ack, data={"confirm": sent.confirm(ack)}).status_code == 403
    assert state(db, sent.incident) == before


def test_an_ack_link_at_the_resolve_address_is_403(
    client: TestClient, db: Database, sent: Sent
) -> None:
    ack, _ = sent.links()
    answer = client.get(ack.replace("/l/ack/", "/l/resolve/"))
    assert answer.status_code == 403
    assert "This link is to acknowledge the incident, not to resolve it" in answer.text
    assert state(db, sent.incident)[0] == "triggered"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/l/ack/a.1.1.1%00.x", 422),
        ("/l/ack/" + "a" * 20_000, 403),
        ("/l/ack/%C3%A9t%C3%A9", 403),
        ("/l/ack/..", 404),
        ("/l/delete/a.1.1.1.x", 404),
        ("/l/ack/", 404),
    ],
    ids=["NUL", "huge", "not ascii", "dots", "unknown action", "empty"],
)
def test_what_is_not_a_link_is_a_4xx_page(client: TestClient, path: str, status: int) -> None:
    page = {"accept": "text/html"}
    for answer in (client.get(path, headers=page), client.post(path, headers=page)):
        assert answer.status_code == status, answer.text[:300]
        assert "text/html" in answer.headers["content-type"]


def test_links_to_an_incident_already_handled_say_so_calmly(
    client: TestClient, db: Database, sent: Sent
) -> None:
    incident, now = sent.incident, sent.clock.now()
    ack, resolve = sent.links()
    with db.transaction() as session:
        acknowledge_incident(session, incident, actor="user:ops", now=now)
    assert f"Incident #{incident} is already acknowledged" in client.get(ack).text
    assert "Resolve as Ann Archer" in client.get(resolve).text
    with db.transaction() as session:
        resolve_incident(session, incident, actor="user:ops", now=now)
    before = state(db, incident)
    # The page was opened while it was triggered, and its button pressed after others acted.
    late = client.post(ack, data={"confirm": sent.confirm(ack)})
    assert late.status_code == 200
    assert f"Incident #{incident} is already resolved" in late.text
    assert "Nothing to do" in late.text
    assert state(db, incident) == before


def test_a_link_of_a_person_no_longer_in_the_directory_is_404(
    client: TestClient, db: Database, sent: Sent
) -> None:
    ack, _ = sent.links("cy")
    with db.transaction() as session:
        directory.delete_person(session, "cy", actor="test", now=sent.clock.now())
    before = state(db, sent.incident)
    for answer in (client.get(ack), client.post(ack, data={"confirm": sent.confirm(ack)})):
        assert answer.status_code == 404
        assert "no longer in onwatch's directory" in html.unescape(answer.text)
    assert state(db, sent.incident) == before
