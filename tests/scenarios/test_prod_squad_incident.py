"""Seed playbook 003's triage, end to end: an error on case intake pages prod squad's primary
(hana, covering beatriz's PTO, through her signed webhook); she triages the incident as
potentially corrupting data, and at once the app's tech lead (oskar, by e-mail), the DevOps lead
(jonah, by e-mail), the project tech lead (mei, in her chat app through an Apprise URL) and
product support (rosa, by e-mail) are told, as examples/003-prod-squad.yaml's urgent_contacts
lists them. Triaging it again (work-stopping) tells nobody twice; nothing else arrives."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.incidents.models import TimelineEntry
from tests import shapes
from tests.conftest import bearer
from tests.integration.engine.delivering import SECRET
from tests.receivers import receiving
from tests.scenarios.paging import Mailer, Pager, alert, apply_example, incident_of, quiet

NY = ZoneInfo("America/New_York")
MINUTES = timedelta(minutes=1)


def test_a_data_corrupting_incident_tells_the_apps_tech_lead_and_the_configured_leads_at_once(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings, mailer: Mailer,
    tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 10, 10, 0, tzinfo=NY)  # beatriz's week as primary, during her PTO
    with (
        receiving(shapes.standard_webhook(SECRET)) as hook,
        receiving(shapes.apprise_json) as chat,
    ):
        monkeypatch.setenv("HANA_HOOK_URL", f"{hook.url}hana")
        monkeypatch.setenv("HANA_HOOK_SECRET", SECRET)
        chat_at = urlsplit(chat.url)
        monkeypatch.setenv("MEI_APPRISE_URL", f"json://{chat_at.hostname}:{chat_at.port}/mei")
        keys = apply_example(db, "003-prod-squad.yaml")
        clock.set(at)
        alert(client, keys["error-tracker"], "Case intake saves uploads to the wrong case")
        incident = incident_of(db, "case-intake")
        pager = Pager(db, clock, settings, mailer)
        pager.at(at)
        [page] = hook.take(1)
        assert page.path == "/hana"
        quiet(chat, mailer)

        clock.set(at + 2 * MINUTES)
        triaged = client.put(
            f"/api/v1/incidents/{incident}/impact",
            json={"triage": "data_corrupting", "applications": ["Case intake"]},
            headers=bearer(tokens["responder"]),
        )
        assert triaged.status_code == 200, triaged.text
        assert triaged.json()["triage"] == "data_corrupting"
        pager.at(at + 2 * MINUTES)  # at once: the same tick delivers every notice
        mails = mailer.take(3)
        assert sorted(m.envelope_to[0] for m in mails) == [
            "jonah@example.org", "oskar@example.org", "rosa@example.org",
        ]  # fmt: skip
        for mail in mails:
            assert f"Urgent: incident #{incident} may corrupt data" in mail.message["Subject"]
            body = mail.message.get_body(("plain",)).get_content()
            assert "triaged data-corrupting" in body
        [note] = chat.take(1)
        assert note.path == "/mei"
        assert "may corrupt data" in note.json()["title"]
        quiet(hook)
        with db.read() as session:
            told = session.scalars(
                select(TimelineEntry.text).where(
                    TimelineEntry.incident_id == incident, TimelineEntry.kind == "urgent_notice"
                )
            ).all()
        assert told == [
            "Triaged data-corrupting: told Oskar Lindqvist (tech lead of case-intake), "
            "Jonah Feldman (team casework-ops/devops_lead), Mei Tanaka (team "
            "casework-ops/project_tech_lead), Rosa Delgado (team product-support/product_support)"
        ]

        # Work-stopping as well, a little later: everyone already knows; nobody is told twice.
        clock.set(at + 5 * MINUTES)
        again = client.put(
            f"/api/v1/incidents/{incident}/impact",
            json={"triage": "work_stopping"},
            headers=bearer(tokens["responder"]),
        )
        assert again.status_code == 200, again.text
        pager.at(at + 5 * MINUTES)
        quiet(hook, chat, mailer)
