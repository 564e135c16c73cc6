"""Seed playbook 003's Sentry procedure, end to end, with examples/003-prod-squad.yaml applied and
case intake's SDK sending to a DSN made at run time: a new error opens a ticket labelled
prod-alert in the squad's tracker (a GitHub-compatible server on loopback); the repeat comments
on it with a link to the latest occurrence, and a third within the hour does not; silenced
"until 100 more events", the issue stays silenced and nothing is said through the 99th, and the
100th lifts it; triaged data-corrupting, it opens a sev1 incident that pages prod squad's primary
through case intake's policy and tells at once the app's tech lead (oskar, from the table) and
the configured leads. The example's rules triage an IntegrityError by themselves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.tickets.models import TicketTracker
from tests import shapes
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.conftest import bearer
from tests.integration.engine.delivering import SECRET
from tests.receivers import HttpReceiver, IssueTracker, issue_tracker, receiving
from tests.scenarios.paging import Mailer, Pager, apply_example, quiet

NY = ZoneInfo("America/New_York")
AT = datetime(2026, 3, 10, 10, 0, tzinfo=NY)  # beatriz's week as primary, hana covering
MINUTES = timedelta(minutes=1)
REPOSITORY = "casework/caseflow"  # as in the example
TOKEN = "ghp_prodSquadTrackerToken0123456789"
URGENT_MAIL = ["jonah@example.org", "oskar@example.org", "rosa@example.org"]


class Squad:
    """The example applied, its receivers, and case intake's DSN."""

    def __init__(
        self, db: Database, client: TestClient, clock: FakeClock, settings: Settings,
        mailer: Mailer, tokens: dict[str, str], tracker: IssueTracker, hook: HttpReceiver,
        chat: HttpReceiver,
    ) -> None:  # fmt: skip
        apply_example(db, "003-prod-squad.yaml")
        with db.transaction() as session:  # the example's trackers, at the local one's address
            session.execute(update(TicketTracker).values(api_url=tracker.url.rstrip("/")))
        clock.set(AT)
        admin = bearer(tokens["admin"])
        key = client.post("/api/v1/errors/keys", json={"service": "case-intake"}, headers=admin)
        assert key.status_code == 201, key.text
        self.project_id, self.public_key = key.json()["project_id"], _public_key(key.json())
        self.client, self.clock, self.mailer = client, clock, mailer
        self.tracker, self.hook, self.chat = tracker, hook, chat
        self.responder = bearer(tokens["responder"])
        self.pager = Pager(db, clock, settings, mailer)

    def error(self, **event: Any) -> str:
        """One event as case intake's Python SDK sends it; its id."""
        where = {"function": "attach_upload", "module": "case_intake.uploads"}
        sent = exception_event(**{**where, **event})
        answer = self.client.post(
            f"/api/{self.project_id}/envelope/", content=event_envelope(sent),
            headers=auth(self.public_key),
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return str(sent["event_id"])

    def issue(self, issue_id: int) -> dict[str, Any]:
        found = self.client.get(f"/api/v1/errors/issues/{issue_id}", headers=self.responder)
        assert found.status_code == 200, found.text
        return dict(found.json())

    def only_issue_id(self) -> int:
        [issue] = self.client.get("/api/v1/errors/issues", headers=self.responder).json()
        return int(issue["id"])

    def tick(self, at: datetime) -> None:
        self.pager.at(at)


def _public_key(view: dict[str, Any]) -> str:
    return str(urlsplit(view["dsn"]).username)


@pytest.fixture
def squad(
    db: Database, client: TestClient, clock: FakeClock, settings: Settings, mailer: Mailer,
    tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Squad]:  # fmt: skip
    monkeypatch.setenv("CASEFLOW_TRACKER_TOKEN", TOKEN)
    with (
        issue_tracker(REPOSITORY, TOKEN) as tracker,
        receiving(shapes.standard_webhook(SECRET)) as hook,
        receiving(shapes.apprise_json) as chat,
    ):
        monkeypatch.setenv("HANA_HOOK_URL", f"{hook.url}hana")
        monkeypatch.setenv("HANA_HOOK_SECRET", SECRET)
        chat_at = urlsplit(chat.url)
        monkeypatch.setenv("MEI_APPRISE_URL", f"json://{chat_at.hostname}:{chat_at.port}/mei")
        yield Squad(db, client, clock, settings, mailer, tokens, tracker, hook, chat)


def test_a_new_error_is_ticketed_prod_alert_and_a_repeat_comments_at_most_hourly(
    squad: Squad,
) -> None:
    squad.error(tags={"browser": "Firefox"})
    issue_id = squad.only_issue_id()
    squad.tick(AT)
    [opened] = squad.tracker.take(1)
    assert opened.path == f"/repos/{REPOSITORY}/issues"
    ticket = opened.json()
    assert ticket["labels"] == ["prod-alert"]
    assert ticket["title"] == "[case-intake] ValueError: order 1234 not found"
    assert "- Culprit: case_intake.uploads in attach_upload" in ticket["body"]
    assert "- Team: kestrel" in ticket["body"] and "- Events: 1; users: 1" in ticket["body"]
    assert f"http://testserver/errors/{issue_id}" in ticket["body"]
    quiet(squad.hook, squad.chat, squad.mailer)  # an error alone pages nobody

    repeat = squad.error()
    squad.tick(AT + 5 * MINUTES)
    [comment] = squad.tracker.take(1)
    assert comment.path == f"/repos/{REPOSITORY}/issues/1/comments"
    said = comment.json()["body"]
    assert said.startswith("1 more event(s) since onwatch last wrote here: 2 in all")
    assert f"Latest occurrence: http://testserver/errors/{issue_id}#event-{repeat}" in said

    squad.error()  # a third within the hour: told with the next comment, not now
    squad.tick(AT + 10 * MINUTES)
    squad.tick(AT + 64 * MINUTES)
    quiet(squad.tracker)
    squad.tick(AT + 65 * MINUTES)
    [later] = squad.tracker.take(1)
    assert later.json()["body"].startswith("1 more event(s) since onwatch last wrote here: 3")
    assert len(squad.tracker.issues) == 1  # never a second ticket


def test_silenced_until_100_more_events_it_holds_through_the_99th(squad: Squad) -> None:
    squad.error()
    issue_id = squad.only_issue_id()
    squad.tick(AT)
    squad.tracker.take(1)
    silenced = squad.client.post(
        f"/api/v1/errors/issues/{issue_id}/silence", json={"events": 100},
        headers=squad.responder,
    )  # fmt: skip
    assert silenced.status_code == 200, silenced.text
    for _ in range(99):
        squad.error()
    squad.tick(AT + 2 * timedelta(hours=1))  # past the hour between comments, still silent
    assert squad.issue(issue_id)["status"] == "silenced"
    assert squad.issue(issue_id)["events"] == 100
    quiet(squad.tracker, squad.hook, squad.chat, squad.mailer)

    last = squad.error()  # the 100th more: the silence ends, and the ticket hears of it
    assert squad.issue(issue_id)["status"] == "unresolved"
    squad.tick(AT + 2 * timedelta(hours=1) + MINUTES)
    [comment] = squad.tracker.take(1)
    assert comment.json()["body"].startswith("100 more event(s) since onwatch last wrote here")
    assert f"#event-{last}" in comment.json()["body"]


def test_a_data_corrupting_triage_pages_the_apps_tech_lead_and_the_leads_at_once(
    squad: Squad,
) -> None:
    squad.error()
    issue_id = squad.only_issue_id()
    squad.tick(AT)
    squad.tracker.take(1)
    assert (squad.issue(issue_id)["team"], squad.issue(issue_id)["tech_lead"]) == (
        "kestrel", "Oskar Lindqvist",
    )  # fmt: skip

    squad.clock.set(AT + 3 * MINUTES)
    triaged = squad.client.post(
        f"/api/v1/errors/issues/{issue_id}/triage", json={"impact": "data_corrupting"},
        headers=squad.responder,
    )  # fmt: skip
    assert triaged.status_code == 200, triaged.text
    incident = triaged.json()["incident_id"]
    assert incident is not None and triaged.json()["impact"] == "data_corrupting"
    squad.tick(AT + 3 * MINUTES)  # at once: one tick delivers every page and notice
    mails = squad.mailer.take(3)
    assert sorted(m.envelope_to[0] for m in mails) == URGENT_MAIL
    for mail in mails:
        assert f"Urgent: incident #{incident} may corrupt data" in mail.message["Subject"]
    [note] = squad.chat.take(1)
    assert note.path == "/mei" and "may corrupt data" in note.json()["title"]
    [page] = squad.hook.take(1)  # prod squad's primary, through case intake's policy
    assert page.path == "/hana"
    [ticket] = squad.tracker.take(1)  # the incident's own ticket, sev1's priority label
    assert ticket.json()["labels"] == ["prod-alert", "high"]

    squad.clock.set(AT + 6 * MINUTES)
    again = squad.client.post(
        f"/api/v1/errors/issues/{issue_id}/triage", json={"impact": "work_stopping"},
        headers=squad.responder,
    )  # fmt: skip
    assert again.json()["incident_id"] == incident  # one incident per issue
    squad.tick(AT + 6 * MINUTES)
    quiet(squad.mailer, squad.chat, squad.hook, squad.tracker)


def test_the_examples_rule_triages_an_integrity_error_by_itself(squad: Squad) -> None:
    squad.error(exception={"values": [{"type": "IntegrityError", "value": "duplicate key"}]})
    issue = squad.issue(squad.only_issue_id())
    assert (issue["impact"], issue["impact_by"]) == ("data_corrupting", "rule:case-intake")
    squad.tick(AT)
    assert sorted(m.envelope_to[0] for m in squad.mailer.take(3)) == URGENT_MAIL
    squad.chat.take(1)
    squad.hook.take(1)
    labels = sorted(tuple(t.json()["labels"]) for t in squad.tracker.take(2))
    assert labels == [("prod-alert",), ("prod-alert", "high")]  # the error's and the incident's


def test_annoying_errors_reach_the_tech_lead_in_one_digest_at_the_end_of_the_day(
    squad: Squad,
) -> None:
    squad.error()
    squad.error(function="list_cases", exception={"values": [{"type": "TimeoutError"}]})
    first, second = (i["id"] for i in squad.client.get(
        "/api/v1/errors/issues", headers=squad.responder).json())  # fmt: skip
    squad.tick(AT)
    squad.tracker.take(2)
    for issue_id in (first, second):
        triaged = squad.client.post(
            f"/api/v1/errors/issues/{issue_id}/triage", json={"impact": "annoying"},
            headers=squad.responder,
        )  # fmt: skip
        assert triaged.status_code == 200 and triaged.json()["incident_id"] is None
    squad.tick(AT.replace(hour=16, minute=59))  # nobody is told before the end of the day
    quiet(squad.mailer, squad.hook, squad.chat)
    # oskar is in Chicago: his day ends an hour after New York's.
    squad.tick(AT.replace(hour=18, minute=0))
    [digest] = squad.mailer.take(1)
    assert digest.envelope_to == ["oskar@example.org"]
    assert digest.message["Subject"].endswith("Annoying errors to look at: 2")
    body = digest.message.get_body(("plain",)).get_content()
    assert f"http://testserver/errors/{first}" in body
    assert f"http://testserver/errors/{second}" in body
    squad.tick(AT.replace(hour=18, minute=30))  # once a day, each issue once
    quiet(squad.mailer)
