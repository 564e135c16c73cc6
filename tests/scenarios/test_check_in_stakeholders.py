"""Seed playbook 002's stakeholder e-mail, end to end: example 002 applied, the kiosk monitor's
critical alert opens a sev1 incident, the product manager (communications owner) sends the
outage e-mail through the API, and the engine (real senders, a fake clock) delivers it over
SMTP to everyone on the team's and the kiosk's lists and to the role holders, with the exact
subject `Clinic kiosk check-in Production Outage MM-DD-YYYY` and the seed's table; a second
update threads under the first. With no e-mail for 24 hours, the owner is reminded two hours
before and a breach is recorded on the incident, its page and its API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Person
from onwatch.incidents.models import IncidentRole
from tests import shapes
from tests.conftest import bearer
from tests.integration.escalation.helpers import timeline
from tests.receivers import HttpReceiver, Mail, receiving
from tests.scenarios.paging import Mailer, Pager, alert, apply_example, incident_of, quiet

NY = ZoneInfo("America/New_York")
AT = datetime(2026, 11, 24, 22, 30, tzinfo=NY)  # a Tuesday evening; 11-25 in UTC already
MINUTES = timedelta(minutes=1)
HOURS = timedelta(hours=1)
LISTS = ["migration-sync@example.org", "clinic-operations@example.org", "kiosk-support@example.org"]
SUBJECT = "Clinic kiosk check-in Production Outage 11-24-2026"


@pytest.fixture
def ntfy(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    with receiving(shapes.ntfy) as server:
        for handle in ("dmitri", "ingrid", "paloma"):
            monkeypatch.setenv(f"{handle.upper()}_NTFY_TOPIC_URL", f"{server.url}{handle}-pager")
        yield server


def start(db: Database, client: TestClient, clock: FakeClock, pager: Pager,
          ntfy: HttpReceiver, tokens: dict[str, str]) -> int:  # fmt: skip
    """The critical alert; the primary's push; acknowledged a minute later; the product
    manager holds the communications role."""
    keys = apply_example(db, "002-check-in.yaml")
    clock.set(AT)
    alert(client, keys["kiosk-monitor"], "Kiosk check-in fails for every clinic", "critical")
    incident = incident_of(db, "arrival-kiosk")
    pager.at(AT)
    ntfy.take(1)
    clock.set(AT + MINUTES)
    acked = client.post(f"/api/v1/incidents/{incident}/acknowledge",
                        headers=bearer(tokens["responder"]))  # fmt: skip
    assert acked.status_code == 200, acked.text
    with db.transaction() as session:
        noor = session.scalar(select(Person.id).where(Person.handle == "noor"))
        session.add(IncidentRole(incident_id=incident, role="communications", person_id=noor,
                                 assigned_at=AT + MINUTES, assigned_by="test"))  # fmt: skip
    return incident


def by_recipient(mails: list[Mail]) -> dict[str, Mail]:
    return {m.envelope_to[0]: m for m in mails}


def test_the_outage_email_has_the_exact_subject_and_table_and_the_next_threads_under_it(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    mailer: Mailer, ntfy: HttpReceiver, tokens: dict[str, str],
) -> None:  # fmt: skip
    pager = Pager(db, clock, settings, mailer)
    incident = start(db, client, clock, pager, ntfy, tokens)

    clock.set(AT + 40 * MINUTES)
    sent = client.post(
        f"/api/v1/incidents/{incident}/updates",
        json={"status": "The check-in API cannot reach the clinic schedule records; we are "
                        "failing over.",
              "summary": "Kiosk check-in fails at every clinic since 10:30 PM ET. Patients "
                         "check in at the front desk."},
        headers=bearer(tokens["responder"]),
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    pager.at(AT + 40 * MINUTES)
    first = by_recipient(mailer.take(4))
    assert sorted(first) == sorted([*LISTS, "noor@example.org"])
    mail = first["migration-sync@example.org"].message
    assert mail["Subject"] == SUBJECT
    assert "/unsubscribe/" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["noor@example.org"].message["List-Unsubscribe"] is None  # a role, not a list
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Incident Summary: Kiosk check-in fails at every clinic since 10:30 PM ET. Patients "
        "check in at the front desk.\n"
        "\n"
        "Incident Details:\n"
        "Applications Impacted: Clinic kiosk check-in\n"
        "Business Impact: Not stated yet\n"
        "Incident Start Date/Time: 11-24-2026 10:30 PM EST\n"
        "Incident End Date/Time: Ongoing\n"
        "Current Status: 11-24-2026 11:10 PM EST: The check-in API cannot reach the clinic "
        "schedule records; we are failing over.\n"
        "Resolution: Ongoing\n"
    )
    html = mail.get_body(("html",)).get_content()
    for label, value in [
        ("Applications Impacted", "Clinic kiosk check-in"),
        ("Incident Start Date/Time", "11-24-2026 10:30 PM EST"),
        ("Incident End Date/Time", "Ongoing"),
        ("Resolution", "Ongoing"),
    ]:
        assert f">{label}</th><td " in html and f">{value}</td>" in html
    root = mail["Message-ID"]
    assert {m.message["Message-ID"] for m in first.values()} == {root}

    # Clinic operations leaves the list with one click (a POST, as a mail client sends it).
    leaving = first["clinic-operations@example.org"].message["List-Unsubscribe"]
    path = "/unsubscribe/" + leaving.strip("<>").split("/unsubscribe/")[1]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    clock.set(AT + 3 * HOURS)
    client.post(f"/api/v1/incidents/{incident}/resolve", headers=bearer(tokens["responder"]))
    again = client.post(f"/api/v1/incidents/{incident}/updates",
                        json={"status": "Fail-over done; kiosks check patients in again."},
                        headers=bearer(tokens["responder"]))  # fmt: skip
    assert again.status_code == 201, again.text
    pager.at(AT + 3 * HOURS)
    second = by_recipient(mailer.take(3))
    assert "clinic-operations@example.org" not in second
    reply = second["migration-sync@example.org"].message
    assert reply["Subject"] == SUBJECT
    assert reply["In-Reply-To"] == reply["References"] == root
    assert reply["Message-ID"] != root
    resolved = reply.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Incident End Date/Time: 11-25-2026 01:30 AM EST\n" in resolved
    assert (
        f'/incidents/{incident}/postmortem">Post-mortem</a>'
        in reply.get_body(("html",)).get_content()
    )
    quiet(mailer, ntfy)


def test_a_breach_is_recorded_when_24_hours_pass_without_a_stakeholder_email(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings,
    mailer: Mailer, ntfy: HttpReceiver, tokens: dict[str, str],
) -> None:  # fmt: skip
    pager = Pager(db, clock, settings, mailer)
    incident = start(db, client, clock, pager, ntfy, tokens)

    pager.at(AT + 22 * HOURS - MINUTES)
    quiet(mailer, ntfy)
    pager.at(AT + 22 * HOURS)  # two hours before the deadline: the product manager is told
    [reminder] = mailer.take(1)
    assert reminder.envelope_to == ["noor@example.org"]
    assert reminder.message["Subject"].startswith(
        "Stakeholder update due by 11-25-2026 10:30 PM EST"
    )
    pager.at(AT + 24 * HOURS - MINUTES)
    assert timeline(db, incident, "update_breach") == []
    pager.at(AT + 24 * HOURS)
    assert timeline(db, incident, "update_breach") == [
        "Breach: no stakeholder update within 24 hours of the start "
        "(due by 11-25-2026 10:30 PM EST)"
    ]
    state = client.get(f"/api/v1/incidents/{incident}/updates",
                       headers=bearer(tokens["viewer"])).json()  # fmt: skip
    assert state["comms"]["breached_at"].startswith("2026-11-26T03:30:00")
    card = client.get(f"/incidents/{incident}/updates", headers=bearer(tokens["viewer"])).text
    assert "Breached: none sent by" in card
    pager.at(AT + 48 * HOURS)
    quiet(mailer, ntfy)
