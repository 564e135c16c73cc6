"""Upstream outages over HTTP, on SQLite and PostgreSQL: an incident on a service we do not
control opens as upstream; any incident is marked upstream against one of its dependencies with
the report's link; a maintenance window opened from it shows on the public endpoints; the
upstream owner and product owner get notices and the product owner holds the incident role;
the evidence bundle as JSON and Markdown, kept when attached. Bad input is refused naming the
field, with nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import MaintenanceWindow
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, IncidentRole, TimelineEntry
from onwatch.integrations.keys import create_integration
from onwatch.notifications.models import Notification
from onwatch.upstream.models import EvidenceBundle
from tests.conftest import bearer
from tests.integration.escalation.helpers import load, open_on

ORG = """\
version: 1
people:
  - {handle: pat, name: Pat Owner, email: pat@example.org}
  - {handle: eng, name: Eng Lead, email: eng@example.org}
  - {handle: desk, name: Desk Support, email: desk@example.net}
  - {handle: gil, name: Gil Lead, email: gil@example.net}
teams:
  - name: app
    members: [pat, eng]
    tech_lead: eng
    roles:
      product_owner: {person: pat}
  - name: platform
    members: [desk, gil]
    tech_lead: gil
    roles:
      support_contact: {person: desk}
services:
  - {name: app, team: app, public: true, depends_on: [api]}
  - {name: api, team: platform, controlled: false, depends_on: [records]}
  - {name: records, controlled: false}
  - {name: ours, team: app}
"""


@pytest.fixture
def org(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)


def responder(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["responder"])


def count(db: Database, table: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def notices(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.scalars(
            select(Notification).where(Notification.kind == "notice").order_by(Notification.id)
        )
        return [(r.idempotency_key, r.destination["address"]) for r in rows]


def test_an_incident_on_a_service_we_do_not_control_opens_as_upstream(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    upstream = open_on(db, "api", clock.now())
    ours = open_on(db, "app", clock.now())
    got = client.get(f"/api/v1/incidents/{upstream}/upstream", headers=bearer(tokens["viewer"]))
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["upstream"], body["upstream_service"]) == (True, "api")
    assert [(p["handle"], p["why"]) for p in body["told"]] == [
        ("desk", "owner of api"),
        ("pat", "product owner"),
    ]
    mine = client.get(f"/api/v1/incidents/{ours}/upstream", headers=responder(tokens)).json()
    assert (mine["upstream"], mine["upstream_service"]) == (False, None)
    assert mine["choices"] == ["api", "records"]


def test_marking_upstream_with_a_link_tells_the_owner_and_product_owner_once(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    incident = open_on(db, "app", clock.now())
    body = {"service": "records", "url": "https://support.example.net/tickets/MAPSUP-42"}
    for _ in range(2):
        done = client.put(
            f"/api/v1/incidents/{incident}/upstream", json=body, headers=responder(tokens)
        )
        assert done.status_code == 200, done.text
    assert done.json()["upstream_service"] == "records"
    # records has no team: nobody owns it here; our product owner is told.
    assert [address for _, address in notices(db)] == ["pat@example.org"]
    with db.read() as session:
        [entry] = session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind == "upstream")
        ).all()
        assert entry.source == "api" and "MAPSUP-42" in entry.text
        [role] = session.scalars(select(IncidentRole)).all()
        assert role.role == "product_owner"
        audit = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_key == str(incident))
        )
        assert "incident.upstream" in list(audit)
        assert session.get(Incident, incident).upstream_url == body["url"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": "records", "url": "ftp://x.example/1"}, "url"),
        ({"service": "records", "url": "javascript:alert(1)"}, "url"),
        ({"service": "nowhere", "url": "https://x.example/1"}, "service"),
        ({"service": "ours"}, "service"),
        ({"url": "https://x.example/1"}, "service"),
    ],
)
def test_a_bad_mark_names_its_field_and_stores_nothing(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str],
    body: dict, field: str,
) -> None:  # fmt: skip
    incident = open_on(db, "app", clock.now())
    done = client.put(
        f"/api/v1/incidents/{incident}/upstream", json=body, headers=responder(tokens)
    )
    assert done.status_code == 422, done.text
    assert field in [f["field"] for f in done.json()["error"]["fields"]]
    assert count(db, Notification) == 0 and count(db, IncidentRole) == 0
    with db.read() as session:
        assert session.get(Incident, incident).upstream is False  # type: ignore[union-attr]


def test_a_window_opened_from_the_incident_is_public_and_on_its_timeline(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    incident = open_on(db, "api", clock.now())
    made = client.post(
        f"/api/v1/incidents/{incident}/upstream/maintenance",
        json={"duration": "4h", "message": "Claims are read-only for a while."},
        headers=responder(tokens),
    )
    assert made.status_code == 201, made.text
    window = made.json()
    assert (window["service"], window["state"]) == ("api", "active")
    public = client.get("/api/v1/status/maintenance").json()
    assert "Claims are read-only for a while." in str(public)
    page = client.get("/status")
    assert "Claims are read-only for a while." in page.text
    with db.read() as session:
        [entry] = session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind == "maintenance")
        ).all()
        assert entry.data["window_id"] == window["id"]
    assert sorted(a for _, a in notices(db)) == ["desk@example.net", "pat@example.org"]
    shown = client.get(f"/api/v1/incidents/{incident}/upstream", headers=responder(tokens)).json()
    assert [w["id"] for w in shown["windows"]] == [window["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_at": "2026-03-01T00:00:00Z", "message": "x"}, "ends_at"),
        ({"duration": "400d", "message": "x"}, "duration"),
        ({"duration": "1h", "message": ""}, "message"),
        ({"message": "x"}, "ends_at"),
    ],
)
def test_a_bad_window_names_its_field_and_stores_nothing(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str],
    body: dict, field: str,
) -> None:  # fmt: skip
    incident = open_on(db, "api", clock.now())
    done = client.post(
        f"/api/v1/incidents/{incident}/upstream/maintenance", json=body, headers=responder(tokens)
    )
    assert done.status_code == 422, done.text
    assert field in [f["field"] for f in done.json()["error"]["fields"]]
    assert count(db, MaintenanceWindow) == 0 and count(db, Notification) == 0


def test_a_window_needs_an_upstream_incident(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    incident = open_on(db, "ours", clock.now())
    done = client.post(
        f"/api/v1/incidents/{incident}/upstream/maintenance",
        json={"duration": "1h", "message": "x"},
        headers=responder(tokens),
    )
    assert done.status_code == 409 and "mark it upstream first" in done.text


def test_viewers_read_and_only_responders_act(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    incident = open_on(db, "api", clock.now())
    viewer = bearer(tokens["viewer"])
    assert client.get(f"/api/v1/incidents/{incident}/evidence", headers=viewer).status_code == 200
    for method, path, body in (
        ("put", "upstream", {"url": "https://x.example/1"}),
        ("post", "upstream/maintenance", {"duration": "1h", "message": "x"}),
        ("post", "evidence", {}),
    ):
        done = client.request(
            method, f"/api/v1/incidents/{incident}/{path}", json=body, headers=viewer
        )
        assert done.status_code == 403, done.text
    assert client.get(f"/api/v1/incidents/{incident}/upstream").status_code == 401


def trigger(client: TestClient, key: str, dedup: str, details: dict) -> None:
    body = {
        "dedup_key": dedup,
        "summary": f"{dedup} failing",
        "severity": "error",
        "details": details,
    }
    assert client.post(f"/api/v1/intake/generic/{key}", json=body).status_code < 300


def test_evidence_reads_the_alert_events_and_is_kept_when_attached(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str]
) -> None:
    with db.transaction() as session:
        key = create_integration(
            session, name="mon", service="api", kind="generic", actor="t", now=clock.now()
        ).key
    start = clock.now()
    for n in range(4):
        clock.set(start + timedelta(minutes=n))
        trigger(client, key, f"slots-{n % 2}", {
            "url": f"https://api.example/slots/{n}", "error_id": f"E-{n}",
            "client_ip": f"198.51.100.{n % 3}",
        })  # fmt: skip
    clock.set(start + timedelta(minutes=10))
    with db.read() as session:
        incident = session.scalar(select(Incident.id))
    viewer = bearer(tokens["viewer"])
    doc = client.get(f"/api/v1/incidents/{incident}/evidence", headers=viewer).json()
    assert (doc["total_events"], doc["unique_client_ips"], len(doc["samples"])) == (4, 3, 4)
    assert doc["samples"][0]["url"] == "https://api.example/slots/0"
    assert doc["samples"][0]["payload"]["details"]["error_id"] == "E-0"
    text = client.get(
        f"/api/v1/incidents/{incident}/evidence",
        params={"format": "md", "since": (start + timedelta(minutes=2)).isoformat()},
        headers=viewer,
    )
    assert text.headers["content-type"].startswith("text/markdown")
    assert "- Total events: 2" in text.text
    kept = client.post(f"/api/v1/incidents/{incident}/evidence", json={}, headers=responder(tokens))
    assert kept.status_code == 201, kept.text
    bundle = kept.json()
    assert bundle["url"] == f"http://127.0.0.1:8080/incidents/{incident}/evidence/{bundle['id']}"
    clock.set(start + timedelta(minutes=20))
    trigger(client, key, "slots-9", {"url": "https://api.example/late"})
    again = client.get(f"/api/v1/evidence/{bundle['id']}", headers=viewer)
    assert again.json()["total_events"] == 4  # a snapshot: later events change nothing
    md = client.get(f"/api/v1/evidence/{bundle['id']}?format=md", headers=viewer)
    assert "- Total events: 4" in md.text
    with db.read() as session:
        rows = session.scalars(
            select(Notification).where(Notification.kind == "notice").order_by(Notification.id)
        ).all()
        assert [r.destination["address"] for r in rows] == ["desk@example.net", "pat@example.org"]
        names = [a["filename"] for a in rows[0].payload["attachments"]]
        assert names == [f"incident-{incident}-evidence-{bundle['id']}.md",
                         f"incident-{incident}-evidence-{bundle['id']}.json"]  # fmt: skip
        [entry] = session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "evidence"))
        assert bundle["url"] in entry.text
    missing = client.get("/api/v1/evidence/999", headers=viewer)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-03-02T15:00:00Z", "until": "2026-03-02T14:00:00Z"}, "until"),
        ({"since": "2026-01-01T00:00:00Z", "until": "2026-03-02T14:00:00Z"}, "since"),
        ({"samples": "2"}, "samples"),
        ({"since": "yesterday"}, "since"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_a_bad_evidence_window_names_its_field(
    org: None, db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str],
    params: dict, field: str,
) -> None:  # fmt: skip
    incident = open_on(db, "api", clock.now())
    done = client.get(
        f"/api/v1/incidents/{incident}/evidence", params=params, headers=bearer(tokens["viewer"])
    )
    assert done.status_code == 422, done.text
    assert field in [f["field"].split(".")[-1] for f in done.json()["error"]["fields"]]
    bad = client.post(
        f"/api/v1/incidents/{incident}/evidence",
        json={"since": "2026-03-02T15:00:00Z", "until": "2026-03-02T14:00:00Z"},
        headers=responder(tokens),
    )
    assert bad.status_code == 422 and count(db, EvidenceBundle) == 0
