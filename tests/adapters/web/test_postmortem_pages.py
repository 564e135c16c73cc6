"""The post-mortem page: linked from the incident page; the generated draft in an editor with
its preview (raw HTML shown as text); saving, publishing, action items and the review meeting
through CSRF-guarded forms; a bad review time is a 422 naming the field; viewers only read."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.notifications.models import Notification
from onwatch.postmortems.models import ActionItem, PostMortem, ReviewMeeting
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.integration.postmortems.story import Story, seed


def log_in(client: TestClient, db: Database, clock: FakeClock, role: str) -> str:
    with db.transaction() as session:
        auth.create_user(
            session, username=f"{role}-web", password="correct horse battery", role=role,
            actor="test", now=clock.now(),
        )  # fmt: skip
        user = auth.authenticate(session, f"{role}-web", "correct horse battery")
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, started.cookie)
    return csrf_token_for(started.cookie)


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_incident_page_links_to_its_post_mortem_which_opens_on_the_generated_draft(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    story: Story = seed(db, clock)
    log_in(client, db, clock, "responder")
    incident_page = client.get(f"/incidents/{story.incident_id}").text
    assert f'href="/incidents/{story.incident_id}/postmortem"' in incident_page
    editor = client.get(f"/incidents/{story.incident_id}/postmortem")
    assert editor.status_code == 200
    assert "# Post-mortem: card payments failing" in editor.text  # in the textarea
    assert "<h2>Timeline</h2>" in editor.text  # in the preview
    assert 'name="csrf_token"' in editor.text
    assert count(db, PostMortem) == 0


def test_a_responder_saves_publishes_and_exports_with_the_forms(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    csrf = log_in(client, db, clock, "responder")
    base = f"/incidents/{story.incident_id}/postmortem"
    text = "# Checkout\n\n<b>bold?</b> Root cause: expired cert."
    without = client.post(base, data={"markdown": text}, follow_redirects=False)
    assert without.status_code == 403 and count(db, PostMortem) == 0
    saved = client.post(base, data={"markdown": text, "csrf_token": csrf}, follow_redirects=False)
    assert saved.status_code == 303
    shown = client.get(base).text
    assert "&lt;b&gt;bold?&lt;/b&gt;" in shown and "<b>bold?</b>" not in shown

    preview = client.post(f"{base}/preview", data={"markdown": "| a |\n|---|\n| 1 |",
                                                   "csrf_token": csrf})  # fmt: skip
    assert "<table>" in preview.text

    regenerate = client.post(f"{base}/regenerate", data={"csrf_token": csrf})
    assert regenerate.status_code == 409 and "confirm" in regenerate.text
    assert "Replace the edits with a new draft" in regenerate.text  # the button that confirms
    published = client.post(f"{base}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert published.status_code == 303
    with db.read() as session:
        incident = session.get(Incident, story.incident_id)
        assert incident is not None and incident.postmortem_state == "published"
        sources = session.scalars(
            select(TimelineEntry.source).where(TimelineEntry.kind == "postmortem")
        ).all()
    assert set(sources) == {"ui"}
    assert client.get(f"{base}.md").text == text
    assert "<h1>Checkout</h1>" in client.get(f"{base}.html").text


def test_action_items_and_the_review_meeting_from_the_page(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    csrf = log_in(client, db, clock, "responder")
    incident = story.incident_id
    added = client.post(
        f"/incidents/{incident}/action-items",
        data={"title": "Alert on expiry", "owner": "lee", "due_on": "2026-04-01",
              "kind": "prevent", "origin": "review", "ticket_url": "", "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303, added.text
    bad = client.post(
        f"/incidents/{incident}/action-items",
        data={"title": "x", "ticket_url": "javascript:alert(1)", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "ticket url" in bad.text
    [item_id] = [i.id for i in _items(db)]
    done = client.post(
        f"/action-items/{item_id}",
        data={"status": "done", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and _items(db)[0].status == "done"

    past = client.post(
        f"/incidents/{incident}/review-meeting",
        data={"starts_at": "2026-03-01T10:00", "duration_minutes": "60", "csrf_token": csrf},
    )
    assert past.status_code == 422 and "starts at: must be in the future" in past.text
    assert count(db, ReviewMeeting) == count(db, Notification) == 0
    made = client.post(
        f"/incidents/{incident}/review-meeting",
        data={"starts_at": "2026-03-05T15:00", "duration_minutes": "30",
              "attendees": "client@example.com", "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    page = client.get(f"/incidents/{incident}/postmortem").text
    assert "2026-03-05 15:00 UTC" in page and "client@example.com" in page
    assert count(db, Notification) == 3
    cancel = client.post(f"/incidents/{incident}/review-meeting/cancel",
                         data={"csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    assert cancel.status_code == 303 and count(db, Notification) == 6


def test_a_viewer_reads_the_post_mortem_without_forms_and_cannot_change_it(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    csrf = log_in(client, db, clock, "viewer")
    page = client.get(f"/incidents/{story.incident_id}/postmortem").text
    assert "<textarea" not in page and "<h2>Summary</h2>" in page
    refused = client.post(f"/incidents/{story.incident_id}/postmortem/publish",
                          data={"csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 403 and count(db, PostMortem) == 0


def test_the_post_mortem_page_of_an_unknown_incident_is_a_404(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    csrf = log_in(client, db, clock, "responder")
    assert client.get("/incidents/9999/postmortem").status_code == 404
    posted = client.post("/incidents/9999/postmortem", data={"markdown": "x", "csrf_token": csrf})
    assert posted.status_code == 404 and count(db, PostMortem) == 0


def _items(db: Database) -> list[ActionItem]:
    with db.read() as session:
        return list(session.scalars(select(ActionItem)))
