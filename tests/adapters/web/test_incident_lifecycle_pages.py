"""The incident page's lifecycle for responders: buttons follow the state (mitigate, resolve,
close, reopen), closing without a required post-mortem shows the sentence (409), severity and
priority change through a form, a merge marks a duplicate, the numbers card and the timeline's
sources show; the list filters by severity, priority, team, text and state."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.responding import resolve_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service, put_team
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec, TeamSpec
from onwatch.incidents import impact
from onwatch.incidents.models import Incident
from onwatch.web.security import csrf_token_for
from tests.adapters.web.test_pages import sign_in, text_of


@pytest.fixture
def fire(db: Database, clock: FakeClock) -> Any:
    """fire(service, key) -> the incident the alert opens, a minute after the last."""
    with db.transaction() as session:
        put_team(session, TeamSpec(name="ops"), actor="test", now=clock.now())
        put_service(session, ServiceSpec(name="reader", team="ops"), actor="test", now=clock.now())
        put_service(session, ServiceSpec(name="dispatch"), actor="test", now=clock.now())

    def go(service: str, key: str) -> int:
        event = AlertEvent("trigger", key, summary=f"{key} is broken", severity="error")
        with db.transaction() as session:
            [outcome] = ingest(
                session,
                [Routed(get_service(session, service).id, service, event)],
                integration_id=None,
                now=clock.advance(timedelta(minutes=1)),
            )
        assert outcome.incident_id is not None
        return outcome.incident_id

    return go


def buttons(page: str) -> list[str]:
    head = page.split('id="answering"')[0]
    return re.findall(r"<button[^>]*>([^<]+)</button>", head.split('class="lifecycle-moves"')[1])


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_buttons_follow_the_state_through_the_lifecycle(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    sign_in(client, db, clock, role="responder")
    url = f"/incidents/{incident}"
    page = client.get(url).text
    token = csrf(page)
    assert buttons(page) == ["Acknowledge", "Mitigate", "Resolve"]
    clock.advance(timedelta(minutes=3))
    assert client.post(f"{url}/mitigate", data={"csrf_token": token}).status_code == 200
    page = client.get(url).text
    assert buttons(page) == ["Resolve"]
    numbers = text_of(page.split('id="numbers-card"')[1].split("</section>")[0])
    assert "Time to acknowledge 3 min Time to mitigate 3 min Time to resolve —" in numbers
    client.post(f"{url}/resolve", data={"csrf_token": token})
    assert buttons(client.get(url).text) == ["Close", "Reopen"]
    closed = client.post(f"{url}/close", data={"csrf_token": token})
    assert buttons(closed.text) == ["Reopen"]
    timeline = text_of(closed.text.split('id="timeline-card"')[1])
    assert "responder-user Mitigated · via ui" in timeline
    assert "responder-user Closed · via ui" in timeline
    assert "Opened: disk is broken · via system" in timeline
    assert client.post(f"{url}/mitigate", data={}).status_code == 403  # no CSRF token


def test_closing_with_a_required_post_mortem_missing_shows_why_until_it_is_waived(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    with db.transaction() as session:
        impact.set_impact(
            session, incident, impact.ImpactIn(users_share=40), actor="test", now=clock.now()
        )
        resolve_incident(session, incident, actor="test", now=clock.now())
    sign_in(client, db, clock, role="responder")
    url = f"/incidents/{incident}"
    page = client.get(url).text
    assert "<li>more than 5% of users were affected</li>" in page
    refused = client.post(f"{url}/close", data={"csrf_token": csrf(page)})
    assert refused.status_code == 409
    assert (
        f"incident {incident} requires a post-mortem (more than 5% of users were affected), so "
        "it closes only once the post-mortem is published or waived with a reason"
    ) in text_of(refused.text)
    with db.read() as session:
        assert session.scalar(select(Incident.status).where(Incident.id == incident)) == "resolved"

    blank = client.post(f"{url}/postmortem/waive", data={"csrf_token": csrf(page), "reason": " "})
    assert blank.status_code == 422
    assert "reason: say why the post-mortem is waived" in text_of(blank.text)
    waived = client.post(
        f"{url}/postmortem/waive",
        data={"csrf_token": csrf(page), "reason": "Written up with the other one"},
        follow_redirects=False,
    )
    assert waived.status_code == 303
    shown = text_of(client.get(url).text)
    assert "Waived: Written up with the other one" in shown
    assert "Waive the post-mortem" not in shown
    with db.read() as session:
        assert session.scalar(select(Incident.status).where(Incident.id == incident)) == "closed"


def test_severity_priority_and_merge_forms(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    stays, duplicate = fire("reader", "disk"), fire("dispatch", "queue")
    sign_in(client, db, clock, role="responder")
    url = f"/incidents/{stays}"
    token = csrf(client.get(url).text)
    changed = client.post(
        f"{url}/change", data={"csrf_token": token, "severity": "sev1", "priority": "p1"}
    )
    assert changed.status_code == 200
    text = text_of(changed.text)
    assert "sev1 Critical p1 triggered" in text
    assert "Severity changed from sev2 (Major) to sev1 (Critical) · via ui" in text
    bad = client.post(f"{url}/change", data={"csrf_token": token, "severity": "sev0"})
    assert bad.status_code == 422 and "severity: must be one of sev1" in text_of(bad.text)

    merged = client.post(
        f"/incidents/{duplicate}/merge", data={"csrf_token": token, "into": f"#{stays}"}
    )
    assert merged.status_code == 200
    text = text_of(merged.text)
    assert f"Marked a duplicate of #{stays} disk is broken" in text
    assert f"Duplicate of #{stays}" in text
    itself = client.post(f"{url}/merge", data={"csrf_token": token, "into": str(stays)})
    assert itself.status_code == 422
    assert "an incident cannot be a duplicate of itself" in text_of(itself.text)
    unknown = client.post(f"{url}/merge", data={"csrf_token": token, "into": "9999"})
    assert unknown.status_code == 422 and "into: no incident 9999" in text_of(unknown.text)
    cycle = client.post(f"{url}/merge", data={"csrf_token": token, "into": str(duplicate)})
    assert cycle.status_code == 409 and "would make a cycle" in text_of(cycle.text)


def test_a_viewer_sees_no_lifecycle_forms_and_cannot_post_them(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    incident = fire("reader", "disk")
    cookie = sign_in(client, db, clock)
    page = client.get(f"/incidents/{incident}").text
    assert "lifecycle-moves" not in page and f'action="/incidents/{incident}/change"' not in page
    assert "Time to acknowledge" in text_of(page)
    for verb in ("mitigate", "close", "change", "merge"):
        refused = client.post(
            f"/incidents/{incident}/{verb}", data={"csrf_token": csrf_token_for(cookie)}
        )
        assert refused.status_code == 403, verb


def test_the_list_filters_by_severity_priority_team_text_and_state(
    client: TestClient, db: Database, clock: FakeClock, fire: Any
) -> None:
    disk, queue = fire("reader", "disk"), fire("dispatch", "queue")
    with db.transaction() as session:
        found = session.get(Incident, queue)
        assert found is not None
        found.severity, found.priority, found.status = "sev1", "p2", "mitigated"
    sign_in(client, db, clock)

    def shown(query: str) -> list[str]:
        page = client.get(f"/incidents?{query}")
        assert page.status_code == 200
        return re.findall(r'href="/incidents/(\d+)"', page.text.split('id="results"')[1])

    assert shown("") == [str(queue), str(disk)]
    assert shown("state=mitigated") == [str(queue)]
    assert shown("state=done") == []
    assert shown("severity=sev1") == [str(queue)]
    assert shown("priority=none") == [str(disk)]
    assert shown("team=ops") == [str(disk)]
    assert shown("q=QUEUE") == [str(queue)]
    assert shown(f"since={clock.now().date().isoformat()}&state=all") == [str(queue), str(disk)]
    odd = text_of(client.get("/incidents?team=nobody&since=soon").text)
    assert "There is no team “nobody”" in odd and "“soon” is not a date" in odd
    page = text_of(client.get("/incidents").text)
    assert "sev1 Critical" in page and "p2" in page
