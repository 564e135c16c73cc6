"""The Upstream card of the incident page and the evidence pages: viewers read them; responders
mark an incident upstream, open a maintenance window and attach evidence through forms that need
the CSRF token, and a bad form comes back with what is wrong, nothing stored."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import MaintenanceWindow
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.integrations.keys import create_integration
from onwatch.upstream.models import EvidenceBundle
from onwatch.web.security import csrf_token_for
from tests.adapters.web.test_pages import sign_in, text_of
from tests.adapters.web.test_upstream_api import ORG
from tests.integration.escalation.helpers import load, open_on


@pytest.fixture
def org(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)


def card(page: str) -> str:
    return text_of(page.split('id="upstream"')[1].split("</section>")[0])


def test_viewers_see_the_card_without_its_forms(
    org: None, db: Database, clock: FakeClock, client: TestClient
) -> None:
    incident = open_on(db, "api", clock.now())
    sign_in(client, db, clock, "viewer")
    page = client.get(f"/incidents/{incident}")
    assert page.status_code == 200
    shown = card(page.text)
    assert "Outage of api upstream" in shown and "no commander needed" in shown
    assert "Desk Support (owner of api)" in shown and "Pat Owner (product owner)" in shown
    assert f'action="/incidents/{incident}/upstream"' not in page.text
    assert (
        client.post(
            f"/incidents/{incident}/upstream", data={"url": "https://x.example"}
        ).status_code
        == 403
    )


def test_a_responder_marks_upstream_and_opens_a_window_from_the_page(
    org: None, db: Database, clock: FakeClock, client: TestClient
) -> None:
    incident = open_on(db, "app", clock.now())
    token = csrf_token_for(sign_in(client, db, clock, "responder"))
    page = client.get(f"/incidents/{incident}")
    assert "Mark as an upstream outage" in page.text and 'value="records"' in page.text
    done = client.post(
        f"/incidents/{incident}/upstream",
        data={"csrf_token": token, "service": "api", "url": "https://desk.example.net/t/9"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("#upstream")
    made = client.post(
        f"/incidents/{incident}/upstream/maintenance",
        data={"csrf_token": token, "duration": "3h", "message": "Sign-in may fail for a while."},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    shown = card(client.get(f"/incidents/{incident}").text)
    assert "https://desk.example.net/t/9" in shown
    assert "active api" in shown and "Sign-in may fail for a while." in shown
    assert "Sign-in may fail for a while." in client.get("/status").text
    with db.read() as session:
        sources = session.scalars(
            select(TimelineEntry.source).where(TimelineEntry.kind.in_(("upstream", "maintenance")))
        )
        assert set(sources) == {"ui"}


def test_a_form_without_its_csrf_token_is_refused(
    org: None, db: Database, clock: FakeClock, client: TestClient
) -> None:
    incident = open_on(db, "api", clock.now())
    sign_in(client, db, clock, "responder")
    done = client.post(
        f"/incidents/{incident}/upstream/maintenance", data={"duration": "1h", "message": "x"}
    )
    assert done.status_code == 403
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0


@pytest.mark.parametrize(
    ("path", "data", "said"),
    [
        ("upstream", {"service": "api", "url": "not a link"}, "url: must be an http"),
        ("upstream/maintenance", {"duration": "1h", "message": ""}, "message:"),
        ("upstream/maintenance", {"duration": "500d", "message": "x"}, "duration:"),
        ("upstream/maintenance", {"ends_at": "2026-03-01T10:00", "message": "x"}, "ends at:"),
    ],
)
def test_a_bad_form_says_what_is_wrong_and_stores_nothing(
    org: None, db: Database, clock: FakeClock, client: TestClient, path: str, data: dict, said: str
) -> None:
    incident = open_on(db, "api", clock.now())
    token = csrf_token_for(sign_in(client, db, clock, "responder"))
    done = client.post(f"/incidents/{incident}/{path}", data={"csrf_token": token, **data})
    assert done.status_code == 422, done.text
    assert said in text_of(done.text)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0
        assert session.get(Incident, incident).upstream_url is None  # type: ignore[union-attr]


def test_the_evidence_page_shows_the_bundle_and_attaching_keeps_it(
    org: None, db: Database, clock: FakeClock, client: TestClient
) -> None:
    with db.transaction() as session:
        key = create_integration(
            session, name="mon", service="api", kind="generic", actor="t", now=clock.now()
        ).key
    start = clock.now()
    for n in range(3):
        clock.set(start + timedelta(minutes=n))
        body = {
            "dedup_key": f"d{n}", "summary": "API 502", "severity": "error",
            "details": {"url": f"https://api.example/v1/{n}", "error_id": f"ERR-{n}",
                        "remote_addr": "192.0.2.5"},
        }  # fmt: skip
        assert client.post(f"/api/v1/intake/generic/{key}", json=body).status_code < 300
    with db.read() as session:
        incident = session.scalar(select(Incident.id))
    token = csrf_token_for(sign_in(client, db, clock, "responder"))
    page = client.get(f"/incidents/{incident}/evidence")
    assert page.status_code == 200
    seen = text_of(page.text)
    assert "Total events 3" in seen and "Unique client IPs 1" in seen and "ERR-2" in seen
    assert "Attach to the upstream report" in seen
    windowed = client.get(
        f"/incidents/{incident}/evidence", params={"since": start.strftime("%Y-%m-%dT%H:%M")}
    )
    link = re.search(r'href="(/api/v1/incidents/\d+/evidence\?format=md[^"]*)"', windowed.text)
    assert link is not None
    download = client.get(html.unescape(link.group(1)))
    assert download.status_code == 200 and "- Total events: 3" in download.text
    bad = client.get(f"/incidents/{incident}/evidence", params={"since": "soon"})
    assert bad.status_code == 422 and "since:" in text_of(bad.text)
    done = client.post(
        f"/incidents/{incident}/evidence", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    kept = client.get(done.headers["location"])
    assert kept.status_code == 200 and "Evidence bundle 1" in kept.text
    assert "Bundle 1" in card(client.get(f"/incidents/{incident}").text)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceBundle)) == 1
    assert client.get(f"/incidents/{incident}/evidence/99").status_code == 404
