"""Seed playbook 003's paging, end to end: beatriz is on PTO during her week as primary, so the
override makes hana (her secondary, the backup) primary and mei secondary. The error tracker's
alert on case intake pages hana through her signed webhook (verified with the
`standardwebhooks` package), then mei in her chat app through an Apprise URL (json:// at a
loopback receiver) and, ten minutes on, by e-mail, then kestrel's tech lead oskar by e-mail;
oskar acknowledges through the link in his mail and nothing more arrives."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.incidents.models import Incident
from tests import shapes
from tests.integration.engine.delivering import SECRET
from tests.receivers import receiving
from tests.scenarios.paging import (
    Mailer,
    Pager,
    ack_link,
    alert,
    apply_example,
    incident_of,
    press,
    quiet,
)

NY = ZoneInfo("America/New_York")
SECOND = timedelta(seconds=1)
MINUTES = timedelta(minutes=1)


def test_the_backup_is_paged_while_the_primary_is_on_pto(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings, mailer: Mailer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    at = datetime(2026, 3, 10, 10, 0, tzinfo=NY)  # beatriz's week, during her PTO
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
        alert(client, keys["error-tracker"], "Case intake rejects every upload", "error")
        incident = incident_of(db, "case-intake")
        pager = Pager(db, clock, settings, mailer)

        pager.at(at)
        [signed] = hook.take(1)  # its signature verified by the receiver's check
        data = signed.json()["data"]
        assert (signed.path, data["recipient"], data["incident"]["id"]) == (
            "/hana", "Hana Novak", incident,
        )  # fmt: skip
        assert data["id"] == signed.headers["webhook-id"]
        quiet(chat, mailer)

        pager.at(at + 15 * MINUTES - SECOND)
        quiet(hook, chat, mailer)
        pager.at(at + 15 * MINUTES)
        [note] = chat.take(1)
        assert note.path == "/mei"
        assert "Case intake rejects every upload" in note.json()["title"]
        quiet(hook, mailer)

        pager.at(at + 25 * MINUTES - SECOND)
        quiet(hook, chat, mailer)
        pager.at(at + 25 * MINUTES)  # mei's e-mail rule, ten minutes after her page
        assert [m.envelope_to for m in mailer.take(1)] == [["mei@example.org"]]

        pager.at(at + 30 * MINUTES - SECOND)
        quiet(hook, chat, mailer)
        pager.at(at + 30 * MINUTES)
        [mail] = mailer.take(1)
        assert mail.envelope_to == ["oskar@example.org"]
        quiet(hook, chat)

        clock.set(at + 32 * MINUTES)
        press(client, ack_link(mail.message.get_body(("plain",)).get_content()))
        with db.read() as session:
            acked = session.get(Incident, incident)
            assert acked is not None and acked.status == "acknowledged"
        for minutes in (60, 90, 24 * 60):
            pager.at(at + minutes * MINUTES)
            quiet(hook, chat, mailer)
