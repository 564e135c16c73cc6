"""A silence whose regex makes a backtracking engine take exponential time (`(a+)+$` against
`aaa…a!`) costs intake and the engine no more than any other: matchers run on RE2. With
Python's `re` this test does not finish (27 characters took 27 s; these are 100,000)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from tests.adapters.intake.payloads import am_alert, am_webhook
from tests.adapters.intake.stored import Keys, alerts, incidents
from tests.conftest import bearer

ATTACK = "(a+)+$"
LABEL = "a" * 99_999 + "!"  # 100,000 characters that the pattern almost matches


def silence(client: TestClient, token: str, matcher: str) -> int:
    response = client.post(
        "/api/v1/silences",
        json={"matchers": [matcher], "duration": "2h", "reason": "test"},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_catastrophic_regex_against_a_100000_character_label_holds_nothing_up(
    client: TestClient, keys: Keys, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    responder = tokens["responder"]
    # Checked first (silences are tried in id order), so every alert is matched against it.
    silence(client, responder, f'x=~"{ATTACK}"')
    by_name = silence(client, responder, 'alertname="Attack"')
    url = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"

    attack = client.post(url, json=am_webhook(am_alert("Attack", x=LABEL)))
    normal = client.post(url, json=am_webhook(am_alert("DiskFull")))

    assert (attack.status_code, normal.status_code) == (202, 202)
    held, let_in = alerts(db)
    assert (held.labels["x"], held.held_by) == (LABEL, f"silence:{by_name}")
    assert (let_in.labels["alertname"], let_in.held_by) == ("DiskFull", None)
    assert [incident.alert_count for incident in incidents(db)] == [1]

    # The engine matches the held alert again when its silence ends: the regex does not hold
    # it (its label does not match), so it is released into the open incident.
    expired = client.post(f"/api/v1/silences/{by_name}/expire", headers=bearer(responder))
    assert expired.status_code == 200
    build_engine(db, clock).tick()
    assert alerts(db)[0].held_by is None
    assert [incident.alert_count for incident in incidents(db)] == [2]
