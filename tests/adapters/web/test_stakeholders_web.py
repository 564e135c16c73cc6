"""Stakeholder communication over HTTP: RFC 8058 one-click unsubscribe (a GET shows a button and
changes nothing, a POST with no session unsubscribes, a forged token is a 400); the updates API
(responders send, viewers read, 409 for a closed incident, 422 naming the field); subscriber
lists; the incident page's card with CSRF-guarded forms."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.incidents.models import Incident
from onwatch.stakeholders import unsubscribe
from onwatch.stakeholders.models import StatusUpdate, Subscriber
from tests.adapters.web.test_pages import sign_in, text_of
from tests.conftest import bearer
from tests.integration.escalation.helpers import open_on
from tests.integration.stakeholders.org import load_org, outbox


def subscribed(db: Database) -> list[tuple[str, bool]]:
    with db.read() as session:
        rows = session.execute(
            select(Subscriber.address, Subscriber.unsubscribed_at).order_by(Subscriber.id)
        ).all()
    return [(a, u is None) for a, u in rows]


def test_the_unsubscribe_link_confirms_on_get_and_unsubscribes_on_a_one_click_post(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    load_org(db, clock)
    path = f"/unsubscribe/{unsubscribe.token('leads@example.org', signing_key(settings))}"
    before = subscribed(db)

    shown = client.get(path)
    assert shown.status_code == 200
    assert f'<form method="post" action="{path}">' in shown.text
    assert "Unsubscribe leads@example.org?" in text_of(shown.text)
    assert subscribed(db) == before  # opening the link changed nothing

    # As a mail client posts it (RFC 8058): no session, no CSRF token, only this body.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Unsubscribed" in text_of(done.text)
    assert [s for s in subscribed(db) if s[0] == "leads@example.org"] == [
        ("leads@example.org", False), ("leads@example.org", False),
    ]  # fmt: skip
    assert ("support@example.org", True) in subscribed(db)
    assert "is not subscribed" in text_of(client.get(path).text)


def test_a_forged_or_edited_unsubscribe_token_is_refused_and_changes_nothing(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    load_org(db, clock)
    good = unsubscribe.token("leads@example.org", signing_key(settings))
    other = unsubscribe.token("support@example.org", b"x" * 32)
    before = subscribed(db)
    for token in (good[:-2] + "zz", other, "nonsense", "a" * 700):
        assert client.get(f"/unsubscribe/{token}").status_code == 400
        assert client.post(f"/unsubscribe/{token}", data={}).status_code == 400
    assert subscribed(db) == before


def test_responders_send_updates_by_api_and_viewers_read_them(
    client: TestClient, db: Database, clock: FakeClock, tokens: dict[str, str]
) -> None:
    load_org(db, clock)
    incident = open_on(db, "cart", clock.now(), severity="sev1")
    url = f"/api/v1/incidents/{incident}/updates"

    assert (
        client.post(url, json={"status": "x"}, headers=bearer(tokens["viewer"])).status_code == 403
    )
    bad = client.post(url, json={"status": ""}, headers=bearer(tokens["responder"]))
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"].endswith("status")
    preview = client.post(f"{url}/preview", json={"status": "Looking."},
                          headers=bearer(tokens["responder"]))  # fmt: skip
    assert preview.json()["subject"] == "Shopping cart Production Outage 03-02-2026"
    sent = client.post(url, json={"status": "Looking.", "summary": "Carts fail."},
                       headers=bearer(tokens["responder"]))  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipients"] == [
        "leads@example.org", "support@example.org", "cart-owners@example.org",
    ]  # fmt: skip
    read = client.get(url, headers=bearer(tokens["viewer"])).json()
    assert [u["status"] for u in read["items"]] == ["Looking."]
    assert read["comms"]["first_update_due_at"].startswith("2026-03-03T14:00:00")
    assert read["comms"]["first_update_sent_at"] is not None
    assert read["comms"]["breached_at"] is None
    snoozed = client.post(f"{url}/snooze", json={"duration": "2h"},
                          headers=bearer(tokens["responder"]))  # fmt: skip
    assert snoozed.status_code == 200
    assert snoozed.json()["next_reminder_at"].startswith("2026-03-02T16:00:00")
    too_long = client.post(f"{url}/snooze", json={"duration": "3d"},
                           headers=bearer(tokens["responder"]))  # fmt: skip
    assert too_long.status_code == 422


def test_an_update_for_a_closed_incident_is_a_409_and_stores_nothing(
    client: TestClient, db: Database, clock: FakeClock, tokens: dict[str, str]
) -> None:
    load_org(db, clock)
    incident = open_on(db, "cart", clock.now())
    with db.transaction() as session:
        row = session.get(Incident, incident)
        assert row is not None
        row.status, row.resolved_at, row.closed_at = "closed", clock.now(), clock.now()
    answer = client.post(f"/api/v1/incidents/{incident}/updates", json={"status": "Late."},
                         headers=bearer(tokens["responder"]))  # fmt: skip
    assert answer.status_code == 409
    assert "closed" in answer.json()["error"]["message"]
    with db.read() as session:
        assert session.scalars(select(StatusUpdate)).all() == []
    assert outbox(db, "update") == []


def test_subscribers_are_added_and_removed_by_api_but_config_entries_stay(
    client: TestClient, db: Database, clock: FakeClock, tokens: dict[str, str]
) -> None:
    load_org(db, clock)
    auth = bearer(tokens["responder"])
    added = client.post(
        "/api/v1/subscribers", json={"service": "lone", "address": "Ops@Example.org"}, headers=auth
    )
    assert added.status_code == 201 and added.json()["address"] == "ops@example.org"
    bad = client.post("/api/v1/subscribers", json={"team": "shop", "address": "nope"}, headers=auth)
    assert bad.status_code == 422
    listed = client.get("/api/v1/subscribers?team=shop", headers=bearer(tokens["viewer"])).json()
    assert {e["address"] for e in listed} == {"leads@example.org", "support@example.org"}
    config_entry = listed[0]["id"]
    assert client.delete(f"/api/v1/subscribers/{config_entry}", headers=auth).status_code == 409
    assert (
        client.delete(f"/api/v1/subscribers/{added.json()['id']}", headers=auth).status_code == 204
    )


def test_the_incident_pages_card_sends_an_update_with_its_csrf_token(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    incident = open_on(db, "cart", clock.now(), severity="sev1")
    sign_in(client, db, clock, role="responder")
    page = client.get(f"/incidents/{incident}").text
    assert f'hx-get="/incidents/{incident}/updates"' in page
    card = client.get(f"/incidents/{incident}/updates").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', card)
    assert csrf is not None and "First update due" in text_of(card)
    url = f"/incidents/{incident}/updates"
    assert client.post(url, data={"status": "Looking."}).status_code == 403
    shown = client.post(f"{url}/preview", data={"status": "Looking.", "csrf_token": csrf.group(1)})
    assert "Shopping cart Production Outage 03-02-2026" in shown.text
    sent = client.post(url, data={"status": "Looking.", "csrf_token": csrf.group(1)},
                       follow_redirects=False)  # fmt: skip
    assert (sent.status_code, sent.headers["location"]) == (303, f"/incidents/{incident}#updates")
    assert len(outbox(db, "update")) == 3
    assert "Looking." in text_of(client.get(url).text)


def test_a_responder_announces_a_release_from_the_subscribers_page(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    sign_in(client, db, clock, role="responder")
    shown = client.get("/subscribers").text
    assert "cart-owners@example.org" in shown
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', shown)
    assert csrf is not None
    form = {"service": "cart", "release": "v2.4.0", "notes": "Faster.", "csrf_token": csrf.group(1)}
    done = client.post("/announcements", data=form)
    assert done.status_code == 200
    assert "Announced to 3 subscribers: Shopping cart Release 03-02-2026" in text_of(done.text)
    assert [r.payload["title"] for r in outbox(db, "update")] == [
        "Shopping cart Release 03-02-2026"
    ] * 3
    assert client.post("/announcements", data={**form, "service": "ghost"}).status_code == 422
