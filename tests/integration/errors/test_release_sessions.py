"""Session items stored for release health on SQLite and PostgreSQL, through the intake route: a
session counted once from its init to its crash, a retried update counted once, aggregates
added, users distinct; a malformed session item refused by name with nothing stored."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.core.db import Database
from onwatch.errors.models import ErrorReleaseHour, ErrorReleaseUser, ErrorSession
from tests.adapters.errors.conftest import Project, ingestion, project, stored
from tests.adapters.errors.envelopes import auth, envelope, exception_event
from tests.conftest import bearer

__all__ = ["project"]  # the fixture: a service with a DSN key


def session_update(sid: str, status: str, *, init: bool, **more: Any) -> dict[str, Any]:
    return {
        "sid": sid,
        "init": init,
        "started": "2026-03-02T13:55:00Z",
        "status": status,
        "attrs": {"release": "shop@2.0.0", "environment": "production"},
        **more,
    }


def post(client: TestClient, project: Project, *items: tuple[str, dict[str, Any]]) -> Any:
    body = envelope(*(({"type": kind}, orjson.dumps(payload)) for kind, payload in items))
    return client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )


def releases(client: TestClient, tokens: dict[str, str], service: str = "checkout") -> Any:
    answer = client.get(
        "/api/v1/errors/releases", params={"service": service}, headers=bearer(tokens["viewer"])
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_session_from_init_to_crash_counts_once_and_crashes_once(
    project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    sid = uuid.uuid4().hex
    first = session_update(sid, "ok", init=True, did="u1")
    assert post(client, project, ("session", first)).status_code == 200
    crashed = session_update(sid, "crashed", init=False, errors=1, did="u1")
    assert post(client, project, ("session", crashed)).status_code == 200
    [release] = releases(client, tokens)
    assert release["release"] == "shop@2.0.0" and release["environment"] == "production"
    assert (release["sessions"], release["crashed"], release["users"]) == (1, 1, 1)
    assert release["crash_free_sessions"] == 0.0
    assert release["crash_free_users"] == 0.0
    assert release["first_hour_at"].startswith("2026-03-02T13:00:00")


def test_a_retried_update_is_counted_once(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    healthy = [session_update(uuid.uuid4().hex, "exited", init=True) for _ in range(3)]
    crash = session_update(uuid.uuid4().hex, "crashed", init=True, errors=1)
    for _ in range(2):  # the SDK sent the same envelope twice
        assert (
            post(client, project, *(("session", s) for s in [*healthy, crash])).status_code == 200
        )
    [release] = releases(client, tokens)
    assert (release["sessions"], release["crashed"]) == (4, 1)
    assert release["crash_free_sessions"] == 75.0
    assert release["users"] == 0 and release["crash_free_users"] is None
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ErrorSession)) == 4


def test_aggregates_are_added_per_bucket_and_distinct_users_once(
    project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    aggregates = {
        "attrs": {"release": "shop@2.1.0"},  # no environment: production, as Sentry says
        "aggregates": [
            {"started": "2026-03-02T13:10:00Z", "exited": 90, "errored": 5, "crashed": 3},
            {"started": "2026-03-02T14:00:00Z", "exited": 1, "abnormal": 1},
            {"started": "2026-03-02T14:00:00Z", "did": "ann", "crashed": 1},
            {"started": "2026-03-02T14:00:00Z", "did": "bob", "exited": 2},
            {"started": "2026-03-02T14:00:00Z", "did": "ann", "exited": 1},
        ],
    }
    assert post(client, project, ("sessions", aggregates)).status_code == 200
    [release] = releases(client, tokens)
    assert release["environment"] == "production"
    assert (release["sessions"], release["crashed"], release["errored"]) == (104, 4, 5)
    assert release["abnormal"] == 1
    assert (release["users"], release["crashed_users"]) == (2, 1)
    assert release["crash_free_sessions"] == round(100 * 100 / 104, 2)
    assert release["crash_free_users"] == 50.0


def test_releases_and_environments_are_apart(
    project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    staging = session_update(uuid.uuid4().hex, "exited", init=True)
    staging["attrs"] = {"release": "shop@2.0.0", "environment": "staging"}
    post(client, project, ("session", staging))
    post(client, project, ("session", session_update(uuid.uuid4().hex, "crashed", init=True)))
    found = {(r["release"], r["environment"]): r["crashed"] for r in releases(client, tokens)}
    assert found == {("shop@2.0.0", "staging"): 0, ("shop@2.0.0", "production"): 1}


def test_a_malformed_session_item_is_400_naming_it_and_stores_nothing(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    good = session_update(uuid.uuid4().hex, "ok", init=True)
    bad = session_update(uuid.uuid4().hex, "exploded", init=True)
    body = envelope(
        ({"type": "event"}, orjson.dumps(exception_event())),
        ({"type": "session"}, orjson.dumps(good)),
        ({"type": "session"}, orjson.dumps(bad)),
    )
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 400
    assert "items[2] (session).status" in answer.text
    no_release = {"sid": "x", "status": "ok", "attrs": {}}
    answer = post(client, project, ("session", no_release))
    assert answer.status_code == 400 and "items[0] (session).attrs.release" in answer.text
    answer = post(client, project, ("sessions", {"attrs": {"release": "r"}, "aggregates": 3}))
    assert answer.status_code == 400 and "items[0] (sessions).aggregates" in answer.text
    assert releases(client, tokens) == []
    assert stored(db) == (0, 0, 0)
    assert ingestion(db) == {}
    with db.read() as session:
        for table in (ErrorSession, ErrorReleaseHour, ErrorReleaseUser):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_releases_need_a_credential_and_a_known_service(
    project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    assert client.get("/api/v1/errors/releases", params={"service": "checkout"}).status_code == 401
    answer = client.get(
        "/api/v1/errors/releases", params={"service": "nope"}, headers=bearer(tokens["viewer"])
    )
    assert answer.status_code == 404
