"""Integrations declared in the config file: the key shown once at creation and never exported,
label routes checked at apply time, rotation, and one Alertmanager integration feeding several
services by the `app` label (seed 003: every error goes to the team of its app)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from onwatch.audit.models import AuditEntry
from onwatch.cli.main import cli
from onwatch.core.db import Database
from onwatch.directory.models import Service
from tests.adapters.intake.payloads import am_alert, am_webhook, trigger
from tests.adapters.intake.stored import alerts, incidents

ORG = """\
services:
  - name: caseflow
  - name: reader
  - name: certification
integrations:
  - name: prometheus
    service: caseflow
    type: alertmanager
    routes:
      - match: {app: reader}
        service: reader
      - match: ['app=~"certification|certification-v2|efolder"']
        service: certification
  - name: ci
    service: caseflow
    type: pagerduty
"""
KEY = re.compile(r"^\s+key \(shown once\): (\S+)$", re.M)


def onwatch(db: Database, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(
        cli, list(args), input=input, env={"ONWATCH_DATABASE_URL": db.url}, catch_exceptions=False
    )


@pytest.fixture
def applied(db: Database) -> dict[str, str]:
    """ORG applied; the keys apply printed, by integration name."""
    result = onwatch(db, "apply", "-f", "-", input=ORG)
    assert result.exit_code == 0, result.output
    names = re.findall(r"^\+ integration (\S+)", result.output, re.M)
    return dict(zip(names, KEY.findall(result.output), strict=True))


def test_apply_prints_each_new_key_once_and_keeps_only_its_hash(
    db: Database, applied: dict[str, str]
) -> None:
    assert sorted(applied) == ["ci", "prometheus"]
    again = onwatch(db, "apply", "-f", "-", input=ORG)
    assert again.output.strip() == "no changes"
    exported = onwatch(db, "export").output
    assert "routes:" in exported
    assert all(key not in exported for key in applied.values())
    with db.read() as session:
        audit = [
            (e.action, str(e.before) + str(e.after))
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity_type == "integration")
            )
        ]
    assert [action for action, _ in audit] == ["integration.create", "integration.create"]
    assert all(key not in text for _, text in audit for key in applied.values())


def test_export_applies_back_with_no_changes(db: Database, applied: dict[str, str]) -> None:
    exported = onwatch(db, "export").output
    assert onwatch(db, "apply", "-f", "-", input=exported).output.strip() == "no changes"


def test_route_to_an_unknown_service_is_an_error_at_apply_time(db: Database) -> None:
    broken = ORG.replace("service: certification\n", "service: certificaton\n", 1)
    result = onwatch(db, "apply", "-f", "-", input=broken)
    assert result.exit_code == 3
    assert "integrations[0].routes[1].service: no service 'certificaton'" in result.output
    assert json.loads(onwatch(db, "integrations", "list", "--json").output) == {"items": []}


def test_labels_route_events_to_the_service_of_their_app(
    db: Database, applied: dict[str, str], client: TestClient
) -> None:
    url = f"/api/v1/intake/alertmanager/{applied['prometheus']}"
    batch = am_webhook(
        am_alert("Boom", app="reader"),
        am_alert("Slow", app="efolder"),
        am_alert("Odd", app="unknown-app"),
    )
    assert client.post(url, json=batch).status_code == 202
    with db.read() as session:
        name_of = dict(session.execute(select(Service.id, Service.name)).all())
    assert [(a.dedup_key, name_of[a.service_id]) for a in alerts(db)] == [
        ("fp-Boom", "reader"),
        ("fp-Slow", "certification"),
        ("fp-Odd", "caseflow"),
    ]
    assert sorted(name_of[i.service_id] for i in incidents(db)) == [
        "caseflow",
        "certification",
        "reader",
    ]
    resolved = am_webhook(am_alert("Boom", "resolved", app="reader"))
    assert client.post(url, json=resolved).json()["resolved"] == 1


def test_rotate_prints_a_new_key_and_the_old_one_stops_working(
    db: Database, applied: dict[str, str], client: TestClient
) -> None:
    old = applied["ci"]
    rotated = onwatch(db, "integrations", "rotate", "ci")
    new = rotated.output.strip()
    assert rotated.exit_code == 0 and len(new) == 32 and new != old
    # PagerDuty answers 400 to a routing key it does not know (test_pagerduty_keys.py).
    assert client.post("/v2/enqueue", json=trigger(old)).status_code == 400
    assert client.post("/v2/enqueue", json=trigger(new)).status_code == 202


def test_prune_deletes_an_integration_and_its_key_stops_working(
    db: Database, applied: dict[str, str], client: TestClient
) -> None:
    assert client.post("/v2/enqueue", json=trigger(applied["ci"])).status_code == 202
    without_ci = ORG.split("  - name: ci\n")[0]
    result = onwatch(db, "apply", "--prune", "-f", "-", input=without_ci)
    assert "- integration ci" in result.output
    assert client.post("/v2/enqueue", json=trigger(applied["ci"])).status_code == 400
    assert len(alerts(db)) == 1  # what it sent is kept
