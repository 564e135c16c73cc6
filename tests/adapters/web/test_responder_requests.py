"""Responder requests: asking a person or a policy's first step writes a notice to each, whose
message carries signed accept and decline links; the link's page changes nothing, its button
answers as the person (timeline, audit, state shown). Expired, edited and other-person links are
refused (410, 403) with nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.directory.models import Person
from onwatch.incidents.models import ResponderRequest
from onwatch.notifications import links
from onwatch.notifications.models import Notification
from onwatch.notifications.render import IncidentFacts, RowFacts, message
from tests.adapters.web.roles_setup import organise
from tests.adapters.web.test_incident_roles_api import audits, entries
from tests.adapters.web.test_overview import fire
from tests.conftest import bearer

BASE = "http://testserver"


@pytest.fixture
def incident(db: Database, clock: FakeClock) -> int:
    organise(db, clock)
    return fire(db, clock, "checkout", "critical", "checkout: card payments failing")


def person_id(db: Database, handle: str) -> int:
    with db.read() as session:
        return session.scalar(select(Person.id).where(Person.handle == handle))  # type: ignore[return-value]


def maker(settings: Settings) -> links.LinkMaker:
    return links.LinkMaker(BASE, signing_key(settings))


def press(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    confirm = re.search(r'name="confirm" value="([^"]+)"', page.text)
    assert confirm is not None, page.text
    answer = client.post(path, data={"confirm": confirm.group(1)})
    assert answer.status_code == 200, answer.text
    return answer.text


def state(db: Database, incident: int) -> list[tuple[str, str]]:
    with db.read() as session:
        return [
            (p.handle, r.state)
            for r, p in session.execute(
                select(ResponderRequest, Person)
                .join(Person, Person.id == ResponderRequest.person_id)
                .where(ResponderRequest.incident_id == incident)
                .order_by(Person.handle)
            ).all()
        ]


def test_asking_a_person_sends_a_notice_whose_message_carries_accept_and_decline_links(
    client: TestClient, tokens: dict[str, str], db: Database, settings: Settings,
    clock: FakeClock, incident: int,
) -> None:  # fmt: skip
    answer = client.post(
        f"/api/v1/incidents/{incident}/responders",
        json={"person": "bob", "message": "Payments DB looks odd; can you look?"},
        headers=bearer(tokens["responder"]),
    )
    assert answer.status_code == 201, answer.text
    [asked] = answer.json()["items"]
    assert (asked["person"], asked["state"]) == ("bob", "requested")
    with db.read() as session:
        [row] = session.scalars(select(Notification).where(Notification.kind == "notice")).all()
    assert (row.label, row.payload["respond"]) == ("Bob Baker by email", True)
    said = message(
        RowFacts(
            id=row.id, key=row.idempotency_key, kind=row.kind, urgency=row.urgency,
            label=row.label, destination=row.destination, person_id=row.person_id,
            person_name="Bob Baker", payload=row.payload,
            incident=IncidentFacts(incident, "card payments failing", "sev1", "triggered",
                                   "checkout", clock.now()),
        ),
        maker(settings), clock.now(),
    )  # fmt: skip
    assert "Payments DB looks odd; can you look?" in said.text
    accept = re.search(re.escape(BASE) + r"(/l/accept/\S+)", said.text)
    assert accept is not None, said.text
    assert [link.title for link in said.links] == ["Accept", "Decline"]
    again = client.post(
        f"/api/v1/incidents/{incident}/responders", json={"person": "bob"},
        headers=bearer(tokens["responder"]),
    )  # fmt: skip
    assert again.json()["already"] == ["Bob Baker"]

    assert state(db, incident) == [("bob", "requested")]  # opening the page changes nothing
    done = press(client, accept.group(1))
    assert "You accepted the request to join" in done
    assert state(db, incident) == [("bob", "accepted")]
    assert entries(db, incident, "responder_accepted") == [
        ("responder_accepted", "link", "Bob Baker accepted the request to join")
    ]
    assert len(audits(db, "incident.responder_accepted")) == 1
    shown = client.get(f"/api/v1/incidents/{incident}/responders", headers=bearer(tokens["viewer"]))
    assert [(r["person_name"], r["state"]) for r in shown.json()["items"]] == [
        ("Bob Baker", "accepted")
    ]


def test_asking_a_policy_asks_whoever_its_first_step_reaches_now(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int
) -> None:
    answer = client.post(
        f"/api/v1/incidents/{incident}/responders",
        json={"policy": "core-paging", "message": "All hands"},
        headers=bearer(tokens["responder"]),
    )
    assert answer.status_code == 201, answer.text
    assert state(db, incident) == [("ann", "requested")]
    assert entries(db, incident, "responder_requested") == [
        ("responder_requested", "api", "Asked Ann Archer (policy core-paging) to join: All hands")
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person": "zed"}, "person"),
        ({"policy": "nope"}, "policy"),
        ({}, "person"),
        ({"person": "bob", "policy": "core-paging"}, "policy"),
        ({"person": "bob", "message": "x" * 2001}, "message"),
    ],
)
def test_a_bad_request_is_a_422_naming_the_field_with_nothing_sent(
    client: TestClient, tokens: dict[str, str], db: Database, incident: int,
    body: dict[str, object], field: str,
) -> None:  # fmt: skip
    answer = client.post(
        f"/api/v1/incidents/{incident}/responders", json=body, headers=bearer(tokens["responder"])
    )
    assert answer.status_code == 422, answer.text
    assert field in [f["field"] for f in answer.json()["error"]["fields"]]
    assert state(db, incident) == []
    with db.read() as session:
        assert (
            session.scalars(select(Notification).where(Notification.kind == "notice")).all() == []
        )


def test_expired_edited_and_other_person_links_are_refused_and_change_nothing(
    client: TestClient, tokens: dict[str, str], db: Database, settings: Settings,
    clock: FakeClock, incident: int,
) -> None:  # fmt: skip
    client.post(
        f"/api/v1/incidents/{incident}/responders", json={"person": "bob"},
        headers=bearer(tokens["responder"]),
    )  # fmt: skip
    make = maker(settings)
    accept, decline = (
        url.removeprefix(BASE)
        for url in make.for_request(incident, person_id(db, "bob"), clock.now())
    )
    cy_accept, _ = make.for_request(incident, person_id(db, "cy"), clock.now())
    assert client.get(cy_accept.removeprefix(BASE)).status_code == 403  # cy was never asked
    edited = accept[:-3] + ("AAA" if not accept.endswith("AAA") else "BBB")
    assert client.get(edited).status_code == 403
    ack_path = make.for_person(incident, person_id(db, "bob"), clock.now())[0].removeprefix(BASE)
    assert client.get("/l/accept/" + ack_path.rsplit("/", 1)[1]).status_code == 403  # wrong action
    clock.advance(timedelta(hours=25))
    for path in (accept, decline):
        assert client.get(path).status_code == 410
        assert client.post(path, data={"confirm": "x"}).status_code == 410
    assert state(db, incident) == [("bob", "requested")]
    assert entries(db, incident, "responder_accepted", "responder_declined") == []
