"""The error issue page's forms for a responder (CSRF): merge, ticket it, noise triaged with a
silence; its chart and its sample browser (?event=); nothing to change for a viewer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.errors import queries
from onwatch.web.security import csrf_token_for
from tests.adapters.errors.conftest import Project, issues
from tests.adapters.errors.test_error_issue_actions import by_function, send, tracked_project
from tests.adapters.web.test_pages import sign_in, text_of


def test_a_responder_merges_and_triages_noise_with_a_silence_from_the_page(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    for function in ("pay", "pay", "cart"):
        send(client, project, function)
    found = by_function(db)
    csrf = csrf_token_for(sign_in(client, db, clock, role="responder"))
    page = client.get(f"/errors/{found['pay']}")
    assert f'name="issues" value="{found["cart"]}"' in page.text
    assert "Ticket none (the team has no tracker)" in text_of(page.text)
    assert f'action="/errors/{found["pay"]}/ticket"' not in page.text
    no_csrf = client.post(f"/errors/{found['pay']}/merge", data={"issues": [found["cart"]]})
    assert no_csrf.status_code == 403
    bad = client.post(f"/errors/{found['pay']}/merge", data={"issues": ["x"], "csrf_token": csrf})
    assert bad.status_code == 422 and "issues: issue ids are whole numbers" in text_of(bad.text)
    merged = client.post(
        f"/errors/{found['pay']}/merge", data={"issues": [found["cart"]], "csrf_token": csrf}
    )
    assert merged.status_code == 200, merged.text
    assert f"Merged from #{found['cart']}" in text_of(merged.text)
    assert [i.event_count for i in issues(db)] == [3]

    form = {"impact": "noise", "silence": "1", "silence_events": "0", "csrf_token": csrf}
    refused = client.post(f"/errors/{found['pay']}/triage", data=form)
    assert refused.status_code == 422 and "events: must be at least 1" in text_of(refused.text)
    assert issues(db)[0].impact is None  # nothing half-written
    done = client.post(f"/errors/{found['pay']}/triage", data={**form, "silence_events": "20"})
    assert done.status_code == 200
    [issue] = issues(db)
    assert (issue.impact, issue.status, issue.silence["events"]) == ("noise", "silenced", 20)


def test_the_page_charts_events_browses_samples_and_tickets_once(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    project = tracked_project(db, clock, "https://tracker.example.org/api/v3")
    for _ in range(3):
        send(client, project)
    [issue] = issues(db)
    with db.read() as session:
        newest, middle, oldest = (s.event_id for s in queries.samples(session, issue.id))
    csrf = csrf_token_for(sign_in(client, db, clock, role="responder"))
    page = client.get(f"/errors/{issue.id}")
    assert page.text.count('<rect class="bar"') == 2  # the current hour and the current day
    assert "Events per hour, last 24 hours: 3 events" in page.text
    assert f'id="shown-event">{newest}' in page.text and f"?event={middle}" in page.text
    older = client.get(f"/errors/{issue.id}?event={middle}")
    assert f'id="shown-event">{middle}' in older.text
    assert f"?event={newest}" in older.text and f"?event={oldest}" in older.text
    assert "Event 2 of 3" in text_of(older.text)
    assert "order = load(order_id)" in older.text  # the frame's context line

    for _ in range(2):
        ticketed = client.post(f"/errors/{issue.id}/ticket", data={"csrf_token": csrf})
        assert ticketed.status_code == 200
    assert "Ticket opening…" in text_of(ticketed.text)
    assert f'action="/errors/{issue.id}/ticket"' not in ticketed.text
    sign_in(client, db, clock, role="viewer")
    viewed = client.get(f"/errors/{issue.id}")
    assert "/merge" not in viewed.text and "/triage" not in viewed.text
