"""Envelopes posted at the same time, as a busy SDK fleet sends them, go through intake's
group-commit writer together: each 200 is a committed event, first events of one new issue make
one issue, a retried event_id is stored once, and a refused request stores nothing and fails
none of the others. On PostgreSQL a connection the server dropped costs no event (the writer's
statements go to the DBAPI cursor, around SQLAlchemy's detection of a dropped connection)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.errors.conftest import Project, add_project, ingestion, issues, stored
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event


def test_envelopes_posted_together_are_each_stored_once_or_refused_alone(
    ctx: AppContext, db: Database, clock: FakeClock, project: Project
) -> None:
    events = [exception_event() for _ in range(6)]
    retried = exception_event()
    posts = [(event_envelope(e), auth(project.public_key)) for e in events]
    posts += [(event_envelope(retried), auth(project.public_key))] * 2
    posts += [(event_envelope(exception_event()), auth("0" * 32))]  # a key nobody issued

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://onwatch") as client:
            return await asyncio.gather(
                *(
                    client.post(f"/api/{project.project_id}/envelope/", content=b, headers=h)
                    for b, h in posts
                )
            )

    answers = asyncio.run(post_all())

    assert [a.status_code for a in answers] == [200] * 8 + [401]
    assert [a.json()["id"] for a in answers[:6]] == [e["event_id"] for e in events]
    assert answers[6].json() == answers[7].json() == {"id": retried["event_id"]}
    assert stored(db) == (1, 7, 7)  # one issue; the retried event once
    (issue,) = issues(db)
    assert (issue.event_count, issue.user_count) == (7, 1)
    assert ingestion(db) == {"event": 8}  # the retry is counted as an item, not stored again


def test_a_connection_the_server_dropped_costs_no_event(
    postgresql_db: Database, settings: Settings, clock: FakeClock
) -> None:
    db = postgresql_db
    project = add_project(db, clock, "checkout")
    with TestClient(create_app(AppContext(db=db, settings=settings, clock=clock))) as client:
        url = f"/api/{project.project_id}/envelope/"
        for _ in range(2):
            body = event_envelope(exception_event())
            sent = client.post(url, content=body, headers=auth(project.public_key))
            assert sent.status_code == 200
            with db.transaction() as session:  # what a server restart does to every other one
                dropped = session.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )).scalar_one()  # fmt: skip
            assert dropped >= 1
        body = event_envelope(exception_event())
        assert client.post(url, content=body, headers=auth(project.public_key)).status_code == 200
    assert stored(db) == (1, 3, 3)
