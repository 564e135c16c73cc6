"""PagerDuty drop-in: integration keys of the PagerDuty format are 32 characters, as PagerDuty's
are (tools check the length), while older longer keys keep working; and a routing key onwatch
will not take is answered as PagerDuty answers it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.tokens import hash_secret
from onwatch.integrations.keys import create_integration, rotate_key
from onwatch.integrations.models import Integration
from onwatch.integrations.specs import delete_integration
from tests.adapters.intake.payloads import trigger
from tests.adapters.intake.stored import Keys, alerts, changes, stored_rows

PAGERDUTY_KEY = re.compile(r"[0-9a-f]{32}")
# What PagerDuty answers, with 400, to a routing key it does not know (pagerduty.py says why).
INVALID_ROUTING_KEY = {
    "status": "invalid event",
    "message": "Event object is invalid",
    "errors": ["Invalid routing key"],
}


def test_pagerduty_keys_are_32_lowercase_hex_characters_and_work(
    client: TestClient, db: Database, clock: FakeClock, keys: Keys
) -> None:
    # `keys` made one integration per format with create_integration.
    assert PAGERDUTY_KEY.fullmatch(keys["pagerduty"])
    assert all(key.startswith("owi_") for kind, key in keys.items() if kind != "pagerduty")
    with db.transaction() as session:
        rotated = rotate_key(session, name="reader-pagerduty", actor="test", now=clock.now()).key
    assert PAGERDUTY_KEY.fullmatch(rotated) and rotated != keys["pagerduty"]
    answer = client.post("/v2/enqueue", json=trigger(rotated, "disk"))
    assert (answer.status_code, answer.json()["dedup_key"]) == (202, "disk")
    change = {"routing_key": rotated, "payload": {"summary": "deploy 42"}}
    assert client.post("/v2/change/enqueue", json=change).status_code == 202
    assert [a.dedup_key for a in alerts(db)] == ["disk"]
    assert [c.summary for c in changes(db)] == ["deploy 42"]


def test_a_pagerduty_integration_made_by_apply_has_a_32_character_key(db: Database) -> None:
    org = "services:\n  - name: ci\nintegrations:\n  - {name: ci, service: ci, type: pagerduty}\n"
    result = CliRunner().invoke(
        cli, ["apply", "-f", "-"], input=org, env={"ONWATCH_DATABASE_URL": db.url}
    )
    assert result.exit_code == 0, result.output
    [key] = re.findall(r"key \(shown once\): (\S+)$", result.output, re.M)
    assert PAGERDUTY_KEY.fullmatch(key)


def test_a_longer_key_issued_before_keeps_working(
    client: TestClient, db: Database, clock: FakeClock, keys: Keys
) -> None:
    older = "owi_" + "x" * 43  # the shape of a PagerDuty-format key before keys were 32 long
    with db.transaction() as session:
        integration = session.query(Integration).filter_by(name="reader-pagerduty").one()
        integration.key_hash = hash_secret(older)
    assert client.post("/v2/enqueue", json=trigger(older, "disk")).status_code == 202
    assert [a.dedup_key for a in alerts(db)] == ["disk"]


def test_a_routing_key_onwatch_will_not_take_is_answered_as_pagerduty_does(
    client: TestClient, db: Database, clock: FakeClock, keys: Keys
) -> None:
    with db.transaction() as session:
        gone = create_integration(
            session, name="gone", service="reader", kind="pagerduty", actor="t", now=clock.now()
        ).key
        delete_integration(session, "gone", actor="t", now=clock.now())
    refused = {
        "unknown, of PagerDuty's length": "0123456789abcdef0123456789abcdef",
        "unknown, longer": "owi_" + "A" * 43,
        "deleted": gone,
        "of another wire format": keys["alertmanager"],
    }
    for why, key in refused.items():
        for url, body in (
            ("/v2/enqueue", trigger(key, "disk")),
            ("/v2/change/enqueue", {"routing_key": key, "payload": {"summary": "deploy"}}),
        ):
            answer = client.post(url, json=body)
            assert (answer.status_code, answer.json()) == (400, INVALID_ROUTING_KEY), (why, url)
    assert stored_rows(db) == (0, 0, 0, 0)
