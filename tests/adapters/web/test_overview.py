"""What a responder sees first: the overview's open incidents (most severe first, then the
oldest, each with its age and who handles it), the services list's health column, and the
fragments htmx polls for so that a page left open stays true."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from onwatch.alerts import responding
from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.config.apply import apply
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.queries import get_service
from onwatch.incidents import queries as incident_queries
from tests.adapters.web.test_pages import text_of
from tests.adapters.web.test_schedules_pages import sign_in

# The clock starts on Monday 2026-03-02 at 09:00 in New York. bob is api-pager's primary and
# ann its secondary until Wednesday; it answers gateway and ledger; the others have no schedule.
ORG = """
version: 1
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
  - {handle: bob, name: Bob Baker, email: bob@example.org}
  - {handle: cy, name: Cy Chen, email: cy@example.org}
  - {handle: dee, name: Dee Dunn, email: dee@example.org}
teams:
  - {name: api, members: [ann, bob], tech_lead: ann}
  - {name: web, members: [cy], tech_lead: cy}
  - {name: data, members: [dee], tech_lead: dee}
services:
  - {name: gateway, team: api}
  - {name: ledger, team: api}
  - {name: storefront, team: web}
  - {name: warehouse, team: data}
  - {name: orphan}
  - {name: billing, team: data}
  - {name: idp, controlled: false}
schedules:
  - name: api-pager
    time_zone: America/New_York
    services: [gateway, ledger]
    layers:
      - members: [bob, ann]
        shift_length: 1w
        handoff_time: "09:00"
        start_date: 2026-02-25
        roles: [primary, secondary]
"""


def fire(db: Database, clock: FakeClock, service: str, severity: str, summary: str) -> int:
    """A new alert on `service`, which opens its incident; the incident's id."""
    with db.transaction() as session:
        service_id = get_service(session, service).id
        event = AlertEvent("trigger", summary, summary=summary, severity=severity)  # type: ignore[arg-type]
        ingest(session, [Routed(service_id, service, event)], integration_id=None, now=clock.now())
        found = incident_queries.list_incidents(session, service=service, status="open")
        return found.items[0].incident.id


@pytest.fixture
def busy(client: TestClient, db: Database, clock: FakeClock) -> dict[str, int]:
    """Six incidents opened ten minutes apart: one resolved, one acknowledged by cy (whose
    login is tied to the person cy), one by a script's token; the clock then an hour past the
    first."""
    with db.transaction() as session:
        apply(session, load(ORG), prune=False, actor="test", now=clock.now())
    sign_in(client, db, clock, "responder", "cy")  # the login "responder-cy"
    ids = {}
    for service, severity in [
        ("warehouse", "warning"),
        ("gateway", "critical"),
        ("storefront", "critical"),
        ("orphan", "error"),
        ("ledger", "critical"),
        ("billing", "info"),
    ]:
        ids[service] = fire(db, clock, service, severity, f"{service} is down")
        clock.advance(timedelta(minutes=10))
    with db.transaction() as session:
        responding.acknowledge_incident(
            session, ids["storefront"], actor="user:responder-cy", now=clock.now()
        )
        responding.acknowledge_incident(
            session, ids["billing"], actor="token:ci-bot", now=clock.now()
        )
        responding.resolve_incident(
            session, ids["ledger"], actor="user:responder-cy", now=clock.now()
        )
    return ids


def between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_overview_lists_open_incidents_most_severe_first_with_age_and_who_handles_them(
    client: TestClient, busy: dict[str, int]
) -> None:
    text = text_of(client.get("/").text)
    assert "5 open incidents" in text
    listed = between(text, "Open incidents Incident Severity Service Open for Handling", "On call")
    rows = re.split(r" (?=#\d+ )", listed.strip())
    assert rows == [
        # sev1 first, the older of the two first; bob is api-pager's primary, nobody acked.
        f"#{busy['gateway']} gateway is down sev1 triggered gateway 50 min "
        "Bob Baker on call (primary of api-pager), not acknowledged",
        f"#{busy['storefront']} storefront is down sev1 acknowledged storefront 40 min "
        "Cy Chen acknowledged",
        # No owner team, no tech lead: nobody answers for it, and the page says so.
        f"#{busy['orphan']} orphan is down sev2 triggered orphan 30 min nobody",
        # No schedule answers warehouse: its tech lead answers.
        f"#{busy['warehouse']} warehouse is down sev3 triggered warehouse 1 h 00 min "
        "Dee Dunn tech lead: nobody on call",
        f"#{busy['billing']} billing is down sev4 acknowledged billing 10 min "
        "token:ci-bot acknowledged",
    ]
    assert "ledger is down" not in text  # resolved


def test_services_list_shows_open_incidents_and_who_is_on_call(
    client: TestClient, busy: dict[str, int]
) -> None:
    text = text_of(client.get("/services").text)
    rows = {row.split(" ", 1)[0]: row for row in re.split(r" (?=\w+ (?:ours|upstream) )", text)}
    assert rows["gateway"].startswith(
        "gateway ours 1 open incident sev1 primary: Bob Baker secondary: Ann Archer api"
    )
    assert rows["ledger"].startswith(
        "ledger ours no incidents primary: Bob Baker secondary: Ann Archer api"
    )
    assert rows["storefront"].startswith(
        "storefront ours 1 open incident sev1 no schedule for its team web"
    )
    assert rows["idp"].startswith("idp upstream — —")
    page = client.get("/services").text
    assert 'href="/incidents?service=gateway"' in page


def test_overview_polls_for_its_changing_part(client: TestClient, busy: dict[str, int]) -> None:
    whole = client.get("/")
    assert re.search(
        r'<div id="live" data-poll hx-get="/" hx-trigger="every 20s, poll-now"', whole.text
    )
    part = client.get("/", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.headers["vary"] == "HX-Request"
    assert "<html" not in part.text and 'id="live"' not in part.text
    assert "gateway is down" in part.text and "On call now" in part.text


@pytest.mark.parametrize("kind", ["alerts", "incidents"])
def test_lists_poll_for_fresh_rows_with_their_filters(
    client: TestClient, db: Database, clock: FakeClock, busy: dict[str, int], kind: str
) -> None:
    whole = client.get(f"/{kind}?service=gateway&state=all").text
    assert (
        f'hx-get="/{kind}?service=gateway&amp;state=all" hx-trigger="every 20s, poll-now"' in whole
    )
    fire(db, clock, "gateway", "critical", "gateway is slow")
    part = client.get(f"/{kind}?service=gateway&state=all", headers={"HX-Request": "true"})
    assert "<html" not in part.text and "<select" not in part.text
    shown = text_of(part.text)
    assert "gateway is down" in shown
    assert "storefront" not in shown  # the service filter still applies
    if kind == "alerts":
        assert "gateway is slow" in shown  # the new row
