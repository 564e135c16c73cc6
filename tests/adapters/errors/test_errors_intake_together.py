"""Envelopes posted at the same time, as a busy SDK fleet sends them, go through intake's
group-commit writer together: each 200 is a committed event, first events of one new issue make
one issue, a retried event_id is stored once, and a refused request stores nothing and fails
none of the others."""

from __future__ import annotations

import asyncio

import httpx

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.errors.conftest import Project, ingestion, issues, stored
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
