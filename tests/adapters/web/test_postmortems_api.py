"""Post-mortems over the API: the generated draft read without storing anything, saved edits
audited, regenerating refused over edits unless confirmed, publishing settles the incident, the
exports; action items; the review meeting's invitations; 404s and 422s with nothing stored."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.notifications.models import Notification
from onwatch.postmortems.models import ActionItem, PostMortem, ReviewMeeting
from tests.conftest import bearer
from tests.integration.postmortems.story import seed


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_reading_a_post_mortem_shows_the_generated_draft_and_stores_nothing(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    got = client.get(
        f"/api/v1/incidents/{story.incident_id}/postmortem", headers=bearer(tokens["viewer"])
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["state"], body["stored"], body["edited"]) == ("draft", False, False)
    assert "## Timeline" in body["markdown"] and "Time to acknowledge:** 7 min" in body["markdown"]
    assert count(db, PostMortem) == 0


def test_a_saved_edit_is_audited_and_publishing_settles_the_incident(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/postmortem"
    responder = bearer(tokens["responder"])
    saved = client.put(url, json={"markdown": "# Card payments\n\nRoot cause: expired cert."},
                       headers=responder)  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert (saved.json()["stored"], saved.json()["edited"]) == (True, True)

    refused = client.post(f"{url}/regenerate", json={}, headers=responder)
    assert refused.status_code == 409 and "confirm" in refused.json()["error"]["message"]
    published = client.post(f"{url}/publish", headers=responder)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    assert client.post(f"{url}/publish", headers=responder).status_code == 409

    with db.read() as session:
        incident = session.get(Incident, story.incident_id)
        assert incident is not None and incident.postmortem_state == "published"
        kinds = [
            (e.kind, e.text, e.source)
            for e in session.scalars(select(TimelineEntry).order_by(TimelineEntry.id))
            if e.kind == "postmortem"
        ]
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert kinds == [
        ("postmortem", "Post-mortem started", "api"),
        ("postmortem", "Post-mortem published", "api"),
    ]
    assert [a for a in actions if a.startswith("postmortem.")] == [
        "postmortem.create", "postmortem.edit", "postmortem.publish",
    ]  # fmt: skip

    md = client.get(f"{url}.md", headers=bearer(tokens["viewer"]))
    assert md.text == "# Card payments\n\nRoot cause: expired cert."
    assert md.headers["content-type"].startswith("text/markdown")
    page = client.get(f"{url}.html", headers=bearer(tokens["viewer"]))
    assert "<h1>Card payments</h1>" in page.text and "<title>Post-mortem: card payments" \
        in page.text  # fmt: skip


def test_raw_html_in_the_markdown_is_shown_as_text_in_the_export(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/postmortem"
    text = "<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    client.put(url, json={"markdown": text}, headers=bearer(tokens["responder"]))
    page = client.get(f"{url}.html", headers=bearer(tokens["viewer"])).text
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page


def test_a_post_mortem_of_an_unknown_incident_is_a_404_with_nothing_stored(
    client: TestClient, tokens: dict[str, str], db: Database
) -> None:
    responder = bearer(tokens["responder"])
    base = "/api/v1/incidents/9999"
    for method, path, body in [
        ("GET", "/postmortem", None),
        ("PUT", "/postmortem", {"markdown": "x"}),
        ("POST", "/postmortem/publish", None),
        ("GET", "/postmortem.md", None),
        ("GET", "/action-items", None),
        ("POST", "/action-items", {"title": "x"}),
        ("PUT", "/review-meeting", {"starts_at": "2099-01-01T10:00:00Z"}),
    ]:
        answer = client.request(method, base + path, json=body, headers=responder)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    assert count(db, PostMortem) == count(db, ActionItem) == 0
    with db.read() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["token.create"] * 3


def test_writes_need_the_responder_role(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/postmortem"
    assert client.put(url, json={"markdown": "x"}).status_code == 401
    viewer = bearer(tokens["viewer"])
    assert client.put(url, json={"markdown": "x"}, headers=viewer).status_code == 403
    assert client.post(f"{url}/publish", headers=viewer).status_code == 403
    assert count(db, PostMortem) == 0


def test_action_items_are_added_changed_and_removed_with_the_timeline_told(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/action-items"
    responder = bearer(tokens["responder"])
    made = client.post(
        url,
        json={"title": "Alert on certificate expiry", "owner": "lee", "due_on": "2026-04-01",
              "kind": "prevent", "ticket_url": "https://tracker.example.org/issues/7",
              "origin": "review"},
        headers=responder,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    item = made.json()
    assert (item["owner"], item["owner_name"], item["status"], item["origin"]) == (
        "lee", "Lee Lund", "open", "review",
    )  # fmt: skip
    one = f"/api/v1/action-items/{item['id']}"
    done = client.patch(one, json={"status": "done"}, headers=responder)
    assert done.status_code == 200 and done.json()["status"] == "done"
    listed = client.get(url, headers=bearer(tokens["viewer"])).json()["items"]
    assert [i["title"] for i in listed] == ["Alert on certificate expiry"]
    assert client.delete(one, headers=responder).status_code == 204
    assert client.delete(one, headers=responder).status_code == 404
    assert client.get(url, headers=responder).json()["items"] == []
    with db.read() as session:
        texts = session.scalars(
            select(TimelineEntry.text).where(TimelineEntry.kind == "action_item")
            .order_by(TimelineEntry.id)
        ).all()  # fmt: skip
    assert texts == [
        "Action item added: Alert on certificate expiry",
        "Action item done: Alert on certificate expiry",
        "Action item removed: Alert on certificate expiry",
    ]


def test_a_bad_action_item_is_a_422_naming_the_field_with_nothing_stored(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/action-items"
    responder = bearer(tokens["responder"])
    for body, field in [
        ({"title": "x", "ticket_url": "javascript:alert(1)"}, "ticket_url"),
        ({"title": "x", "ticket_url": "ftp://files.example.org/x"}, "ticket_url"),
        ({"title": "x", "owner": "nobody"}, "owner"),
        ({"title": "x", "kind": "blame"}, "kind"),
        ({"title": "x", "due_on": "soon"}, "due_on"),
        ({"title": "  "}, "title"),
    ]:
        answer = client.post(url, json=body, headers=responder)
        assert answer.status_code == 422, (body, answer.text)
        fields = [f["field"] for f in answer.json()["error"]["fields"]]
        assert any(f.endswith(field) for f in fields), (body, fields)
    assert count(db, ActionItem) == 0


def test_scheduling_the_review_invites_the_commander_the_owner_and_stakeholders(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/review-meeting"
    responder = bearer(tokens["responder"])
    start = (clock.now() + timedelta(days=2)).isoformat()
    made = client.put(
        url,
        json={"starts_at": start, "duration_minutes": 45, "url": "https://meet.example.org/pm",
              "attendees": ["client@example.com", "ANN@example.org"]},
        headers=responder,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    meeting = made.json()
    assert meeting["sequence"] == 0
    assert meeting["invited"] == ["ann@example.org", "lee@example.org", "client@example.com"]
    moved = client.put(url, json={"starts_at": start, "duration_minutes": 60}, headers=responder)
    assert (moved.json()["sequence"], moved.json()["uid"]) == (1, meeting["uid"])
    cancelled = client.delete(url, headers=responder)
    assert cancelled.status_code == 200 and cancelled.json()["sequence"] == 2
    assert client.delete(url, headers=responder).status_code == 409
    with db.read() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id)).all()
    invites = [(r.kind, r.destination["address"], r.payload["attachments"][0]["content_type"])
               for r in rows]  # fmt: skip
    assert invites == [
        ("invite", "ann@example.org", "text/calendar; method=REQUEST"),
        ("invite", "lee@example.org", "text/calendar; method=REQUEST"),
        ("invite", "client@example.com", "text/calendar; method=REQUEST"),
        ("invite", "ann@example.org", "text/calendar; method=REQUEST"),
        ("invite", "lee@example.org", "text/calendar; method=REQUEST"),
        ("invite", "ann@example.org", "text/calendar; method=CANCEL"),
        ("invite", "lee@example.org", "text/calendar; method=CANCEL"),
    ]


def test_a_review_in_the_past_or_ending_before_it_starts_is_a_422_naming_the_field(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    story = seed(db, clock)
    url = f"/api/v1/incidents/{story.incident_id}/review-meeting"
    responder = bearer(tokens["responder"])
    past = (clock.now() - timedelta(hours=1)).isoformat()
    soon = clock.now() + timedelta(days=1)
    for body, field in [
        ({"starts_at": past}, "starts_at"),
        ({"starts_at": soon.isoformat(), "ends_at": (soon - timedelta(minutes=5)).isoformat()},
         "ends_at"),
        ({"starts_at": soon.isoformat(), "attendees": ["not an address"]}, "attendees"),
        ({"starts_at": "2099-01-01T10:00:00"}, "starts_at"),  # no zone
    ]:  # fmt: skip
        answer = client.put(url, json=body, headers=responder)
        assert answer.status_code == 422, (body, answer.text)
        fields = [f["field"] for f in answer.json()["error"]["fields"]]
        assert any(f.endswith(field) for f in fields), (body, fields)
    assert count(db, ReviewMeeting) == count(db, PostMortem) == count(db, Notification) == 0
