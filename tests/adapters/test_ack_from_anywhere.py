"""Acknowledge and resolve from anywhere: the incident page's buttons, the API, `onwatch
incidents ack|resolve`, a monitor's PagerDuty-format event and a signed link in a message each
end in one timeline entry that names who did it (a person, a token, a shell user, the monitor)
and when. Each goes through incidents.actions.acknowledge / resolve, the only writers of
those entries, where escalation stops."""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

import onwatch
from onwatch.auth import actions as auth
from onwatch.auth.models import User
from onwatch.cli.main import cli
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.directory import actions as directory
from onwatch.directory.queries import get_person
from onwatch.directory.specs import PersonSpec
from onwatch.incidents.models import Incident
from onwatch.notifications import links
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.adapters.intake.stored import Keys
from tests.adapters.web.accounts import CHEAP, PASSWORD
from tests.conftest import bearer
from tests.timeline import unruled

ENTRY = {"acknowledge": "acknowledged", "resolve": "resolved"}


def _shell_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


# Who each way in is, as the timeline shows it.
SHOWN = {
    "ui": "Ann Archer",
    "api": "token test-responder",
    "cli": f"{_shell_user()} (command line)",
    "pagerduty": "integration",
    "link": "Ann Archer via ntfy link",
}


@pytest.fixture
def ann(db: Database, clock: FakeClock) -> int:
    """Ann, with the login `ann-web` tied to her; her person id."""
    with db.transaction() as session:
        directory.put_person(
            session,
            PersonSpec(handle="ann", name="Ann Archer", email="ann@example.org"),
            actor="test",
            now=clock.now(),
        )
        # A hash at argon2's least cost: the test logs in twenty times.
        session.add(
            User(
                username="ann-web",
                password_hash=CHEAP.hash(PASSWORD),
                role="responder",
                person_handle="ann",
                created_at=clock.now(),
            )
        )
        return get_person(session, "ann").id


Way = Callable[[str, int], None]


@pytest.fixture
def ways(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    keys: Keys,
    tokens: dict[str, str],
    ann: int,
) -> dict[str, Way]:
    """Each way in: way(action, incident_id) acknowledges or resolves the incident."""

    def ui(action: str, incident: int) -> None:
        with db.transaction() as session:
            user = auth.authenticate(session, "ann-web", PASSWORD)
            cookie = auth.start_session(session, user, clock.now(), timedelta(hours=1)).cookie
        client.cookies.set(SESSION_COOKIE, cookie)
        answer = client.post(
            f"/incidents/{incident}/{action}",
            data={"csrf_token": csrf_token_for(cookie)},
            follow_redirects=False,
        )
        client.cookies.clear()
        assert answer.status_code == 303, answer.text

    def api(action: str, incident: int) -> None:
        answer = client.post(
            f"/api/v1/incidents/{incident}/{action}", headers=bearer(tokens["responder"])
        )
        assert answer.json()["changed"] is True

    def command_line(action: str, incident: int) -> None:
        verb = "ack" if action == "acknowledge" else "resolve"
        done = CliRunner().invoke(
            cli, ["incidents", verb, str(incident)], env={"ONWATCH_DATABASE_URL": db.url}
        )
        assert done.exit_code == 0, done.output

    def pagerduty(action: str, incident: int) -> None:
        event = {"routing_key": keys["pagerduty"], "event_action": action, "dedup_key": "disk"}
        assert client.post("/v2/enqueue", json=event).status_code == 202

    def link(action: str, incident: int) -> None:
        ack, resolve = links.links_for(
            "", signing_key(settings), incident, ann, clock.now(), via="ntfy"
        )
        path = ack if action == "acknowledge" else resolve
        confirm = re.search(r'name="confirm" value="([^"]+)"', client.get(path).text)
        assert confirm is not None
        assert client.post(path, data={"confirm": confirm.group(1)}).status_code == 200

    return {"ui": ui, "api": api, "cli": command_line, "pagerduty": pagerduty, "link": link}


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
@pytest.mark.parametrize("way", list(SHOWN))
def test_every_way_in_leaves_a_timeline_entry_with_who_and_when(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    keys: Keys,
    tokens: dict[str, str],
    ways: dict[str, Way],
    way: str,
    action: str,
) -> None:
    trigger = {
        "routing_key": keys["pagerduty"],
        "event_action": "trigger",
        "dedup_key": "disk",
        "payload": {"summary": "disk full", "source": "db-1", "severity": "critical"},
    }
    assert client.post("/v2/enqueue", json=trigger).status_code == 202
    with db.read() as session:
        incident = session.scalars(select(Incident.id)).one()
    at = clock.advance(timedelta(minutes=7))

    started = datetime.now(UTC)  # the command line reads the system clock
    ways[way](action, incident)
    finished = datetime.now(UTC)

    shown = client.get(f"/api/v1/incidents/{incident}", headers=bearer(tokens["viewer"])).json()
    assert shown["status"] == ENTRY[action]
    entry = unruled(shown["timeline"])[-1]
    assert (entry["kind"], entry["actor_name"]) == (ENTRY[action], SHOWN[way])
    instant = datetime.fromisoformat(entry["at"])
    if way == "cli":
        assert started <= instant <= finished
    else:
        assert instant == at
    assert [e["kind"] for e in shown["timeline"]].count(ENTRY[action]) == 1


def test_only_incidents_actions_sets_an_incident_acknowledged_or_resolved() -> None:
    """So every way in, present and future, passes where escalation is stopped."""
    source = Path(onwatch.__file__).parent
    setting = re.compile(
        r"incident\.status\b[^=\n]*=(?!=)[^\n]*\"(acknowledged|resolved)\"|update\(Incident\b"
    )
    writers = {
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if setting.search(path.read_text())
    }
    assert writers == {"incidents/actions.py"}
