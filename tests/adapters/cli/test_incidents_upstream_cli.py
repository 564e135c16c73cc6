"""`onwatch incidents upstream|maintenance|evidence` from the shell: mark an incident upstream,
open a maintenance window users see, print the evidence bundle as Markdown or JSON and attach it;
bad input exits 3 naming the option, with nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock, SystemClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.integrations.keys import create_integration
from tests.adapters.cli.conftest import Onwatch, database_state
from tests.adapters.web.test_upstream_api import ORG
from tests.integration.escalation.helpers import load


def test_an_upstream_outage_from_the_shell(
    onwatch: Onwatch, db: Database, clock: FakeClock, client: TestClient
) -> None:
    start = SystemClock().now() - timedelta(minutes=30)
    clock.set(start)
    load(db, clock, ORG)
    with db.transaction() as session:
        key = create_integration(
            session, name="mon", service="app", kind="generic", actor="t", now=start
        ).key
    for n in range(3):
        clock.set(start + timedelta(minutes=n))
        body = {
            "dedup_key": f"d{n}", "summary": "Sign-in fails", "severity": "error",
            "details": {"url": f"https://id.example/login/{n}", "trace_id": f"T{n}",
                        "client_ip": "192.0.2.1"},
        }  # fmt: skip
        assert client.post(f"/api/v1/intake/generic/{key}", json=body).status_code < 300
    with db.read() as session:
        incident = str(session.scalar(select(Incident.id)))

    shown = onwatch("incidents", "upstream", incident)
    assert shown.exit_code == 0 and "is not upstream (may be marked: api, records)" in shown.stdout
    before = database_state(db)
    bad = onwatch("incidents", "upstream", incident, "--service", "api", "--url", "ftp://x")
    assert (bad.exit_code, bad.stderr.strip()) == (
        3,
        "error: url: must be an http:// or https:// address with a host",
    )
    assert database_state(db) == before
    marked = onwatch(
        "incidents", "upstream", incident, "--service", "api", "--url", "https://t.example/7",
        "--json",
    )  # fmt: skip
    assert marked.exit_code == 0, marked.output
    state = json.loads(marked.stdout)
    assert (state["upstream_service"], state["upstream_url"]) == ("api", "https://t.example/7")

    too_long = onwatch("incidents", "maintenance", incident, "--message", "x", "--for", "400d")
    assert too_long.exit_code == 3 and "duration" in too_long.stderr
    opened = onwatch(
        "incidents", "maintenance", incident, "--message", "Sign-in may fail", "--for", "2h"
    )
    assert opened.exit_code == 0 and opened.stdout.startswith("maintenance ")

    markdown = onwatch("incidents", "evidence", incident)
    assert markdown.exit_code == 0, markdown.output
    assert "- Total events: 3" in markdown.stdout and "- Unique client IPs: 1" in markdown.stdout
    document = json.loads(onwatch("incidents", "evidence", incident, "--format", "json").stdout)
    assert [s["error_id"] for s in document["samples"]] == ["T0", "T1", "T2"]
    bad_window = onwatch("incidents", "evidence", incident, "--since", "tomorrow")
    assert bad_window.exit_code == 3 and "since" in bad_window.stderr
    attached = onwatch("incidents", "evidence", incident, "--attach", "--json")
    assert attached.exit_code == 0 and json.loads(attached.stdout)["url"].endswith("/evidence/1")
    with db.read() as session:
        sources = set(
            session.scalars(
                select(TimelineEntry.source).where(
                    TimelineEntry.kind.in_(("upstream", "maintenance", "evidence"))
                )
            )
        )
    assert sources == {"cli"}
