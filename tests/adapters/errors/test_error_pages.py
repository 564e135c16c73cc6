"""The error pages: the issues list with its filters, an issue's page with why its events were
grouped, its in-app frames first and its samples; a responder silences and resolves from it."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.security import csrf_token_for
from tests.adapters.errors.conftest import Project, issues
from tests.adapters.errors.envelopes import auth, envelope, event_envelope, exception_event
from tests.adapters.web.test_pages import sign_in, text_of


def _send(client: TestClient, project: Project) -> None:
    body = event_envelope(exception_event())
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 200


def test_the_list_and_an_issue_page_say_what_and_why(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    _send(client, project)
    _send(client, project)
    sign_in(client, db, clock)
    listed = text_of(client.get("/errors?sort=events").text)
    assert "ValueError: order 1234 not found" in listed and "checkout" in listed
    assert "No error issues" in text_of(client.get("/errors?status=resolved").text)
    received = text_of(client.get("/errors?service=checkout").text)
    assert "Received from checkout's SDKs" in received and "event processed 2" in received
    assert "Release health" in received and "No sessions yet" in received
    [issue] = issues(db)
    shown = text_of(client.get(f"/errors/{issue.id}").text)
    assert "grouped by ValueError at in-app frames: shop.views in checkout" in shown
    assert shown.index("shop.views in checkout") < shown.index("django.core.handlers.base")
    assert "https://shop.example/cart" in shown and "browser Firefox (2)" in shown
    assert "Resolve or silence" not in shown  # a viewer only reads


def test_a_responder_silences_and_resolves_from_the_page(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    _send(client, project)
    [issue] = issues(db)
    csrf = csrf_token_for(sign_in(client, db, clock, role="responder"))
    refused = client.post(
        f"/errors/{issue.id}/silence", data={"events": "many", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "events: a whole number, or leave it empty" in text_of(refused.text)
    done = client.post(f"/errors/{issue.id}/silence", data={"events": "100", "csrf_token": csrf})
    assert done.status_code == 200 and "silenced" in text_of(done.text)
    client.post(f"/errors/{issue.id}/resolve", data={"mode": "now", "csrf_token": csrf})
    [issue] = issues(db)
    assert issue.status == "resolved"
    assert client.post(f"/errors/{issue.id}/resolve", data={"mode": "now"}).status_code == 403


def test_the_service_list_shows_release_health(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    aggregates = {
        "attrs": {"release": "checkout@9.1", "environment": "production"},
        "aggregates": [
            {"started": "2026-03-02T14:00:00Z", "did": "ann", "exited": 3, "crashed": 1}
        ],
    }
    body = envelope(({"type": "sessions"}, orjson.dumps(aggregates)))
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 200
    sign_in(client, db, clock)
    shown = text_of(client.get("/errors?service=checkout").text)
    assert "checkout@9.1 production 4 (1 crashed) 75.00 % of 4 sessions 0.00 % of 1 users" in shown
