"""The alert and incident pages: lists filtered by service and state and paged, an alert with
its events, an incident with its timeline, and acknowledge/resolve buttons that are CSRF-guarded
forms for responders only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.web.security import csrf_token_for
from tests.adapters.web.test_pages import sign_in, text_of


@pytest.fixture
def send(db: Database, clock: FakeClock) -> Any:
    """send(service, *events): ingest events for `reader` or `dispatch`, a minute apart."""
    with db.transaction() as session:
        for name in ("reader", "dispatch"):
            put_service(session, ServiceSpec(name=name), actor="test", now=clock.now())
        ids = {name: get_service(session, name).id for name in ("reader", "dispatch")}

    def go(service: str, *events: AlertEvent) -> None:
        with db.transaction() as session:
            ingest(session, [Routed(ids[service], service, e) for e in events],
                   integration_id=None, now=clock.advance(timedelta(minutes=1)))

    return go


def fire(key: str, summary: str | None = None) -> AlertEvent:
    return AlertEvent("trigger", key, summary=summary or f"{key} is broken", severity="error",
                      labels={"app": key})


def test_alert_list_filters_by_service_and_state_and_pages(
    client: TestClient, db: Database, clock: FakeClock, send: Any
) -> None:
    sign_in(client, db, clock)
    send("reader", fire("disk"), fire("cpu"))
    send("dispatch", fire("queue"))
    send("reader", AlertEvent("resolve", "cpu"))

    open_page = text_of(client.get("/alerts").text)
    assert "disk is broken" in open_page and "queue is broken" in open_page
    assert "cpu is broken" not in open_page
    reader_all = text_of(client.get("/alerts?service=reader&state=all").text)
    assert reader_all.index("cpu is broken") < reader_all.index("disk is broken")
    assert "queue is broken" not in reader_all
    resolved = text_of(client.get("/alerts?state=resolved").text)
    assert "cpu is broken" in resolved and "disk is broken" not in resolved
    unknown = text_of(client.get("/alerts?service=nope").text)
    assert "There is no service “nope”" in unknown

    first = client.get("/alerts?state=all&limit=2").text
    older = re.search(r'href="(/alerts\?[^"]+)" rel="next"', first)
    assert older is not None
    second = text_of(client.get(older.group(1).replace("&amp;", "&")).text)
    assert "disk is broken" in second and "queue is broken" not in second


def test_alert_page_shows_events_labels_and_its_incident(
    client: TestClient, db: Database, clock: FakeClock, send: Any
) -> None:
    sign_in(client, db, clock)
    send("reader", fire("disk", "Disk 90%"))
    send("reader", fire("disk", "Disk 95%"))
    listed = client.get("/alerts").text
    alert_url = re.search(r'href="(/alerts/\d+)"', listed)
    assert alert_url is not None
    page = text_of(client.get(alert_url.group(1)).text)
    assert "Disk 95%" in page and "app=disk" in page
    assert "2 newest of 2" in page
    assert re.search(r"Incident #\d+", page)
    assert client.get("/alerts/99999").status_code == 404


def test_incident_page_shows_timeline_and_responder_resolves_it(
    client: TestClient, db: Database, clock: FakeClock, send: Any
) -> None:
    send("reader", fire("disk"), fire("cpu"))
    sign_in(client, db, clock, role="responder")
    listed = client.get("/incidents").text
    found = re.search(r'href="/incidents/(\d+)"', listed)
    assert found is not None
    url = f"/incidents/{found.group(1)}"
    page = client.get(url).text
    assert "Acknowledge" in page and "Resolve" in page
    assert "Opened: disk is broken" in text_of(page)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None

    assert client.post(f"{url}/acknowledge", data={}).status_code == 403  # no CSRF token
    acked = client.post(f"{url}/acknowledge", data={"csrf_token": csrf.group(1)},
                        follow_redirects=False)
    assert (acked.status_code, acked.headers["location"]) == (303, url)
    done = client.post(f"{url}/resolve", data={"csrf_token": csrf.group(1)})
    text = text_of(done.text)
    assert "responder-user Acknowledged" in text
    assert "responder-user Resolved" in text
    assert ">Acknowledge</button>" not in done.text
    assert text_of(client.get("/incidents?state=resolved").text).count("disk is broken") == 1


def test_viewer_sees_no_buttons_and_cannot_post(
    client: TestClient, db: Database, clock: FakeClock, send: Any
) -> None:
    send("dispatch", fire("queue"))
    cookie = sign_in(client, db, clock)
    listed = client.get("/incidents?service=dispatch").text
    found = re.search(r'href="/incidents/(\d+)"', listed)
    assert found is not None
    page = client.get(f"/incidents/{found.group(1)}").text
    assert "<button" not in page.split("Timeline")[0].split("</header>")[1]
    refused = client.post(f"/incidents/{found.group(1)}/resolve",
                          data={"csrf_token": csrf_token_for(cookie)})
    assert refused.status_code == 403


def test_nav_links_incidents_and_alerts_first(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    sign_in(client, db, clock)
    nav = re.findall(r'<nav class="nav".*?</nav>', client.get("/").text, re.S)[0]
    labels = re.findall(r">([^<]+)</a>", nav)
    assert labels[:2] == ["Incidents", "Alerts"]
