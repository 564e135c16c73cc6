"""Cron check-ins from the real Python sentry_sdk (capture_checkin) against onwatch on uvicorn:
an ok check-in beats the heartbeat named by its slug, which the engine then watches (late:
an alert; the next ok resolves it); error opens the alert at once; in_progress is counted; a
slug with a monitor_config makes a heartbeat; one without, or another service's, is unknown."""

from __future__ import annotations

from datetime import timedelta

import orjson
from fastapi.testclient import TestClient
from sentry_sdk.crons import capture_checkin
from sqlalchemy import select

from onwatch.alerts.heartbeats import HeartbeatSpec, put_heartbeat
from onwatch.alerts.models import Alert, Heartbeat
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.errors.models import ErrorIngestion
from tests.adapters.errors.conftest import Project, Recorder, add_project, dsn_of, sdk, stored
from tests.adapters.errors.envelopes import auth, envelope

HOURLY = {"schedule": {"type": "crontab", "value": "0 * * * *"}, "checkin_margin": 10}


def _heartbeat(db: Database, clock: FakeClock, name: str, service: str) -> None:
    spec = HeartbeatSpec(
        name=name, service=service, interval=timedelta(hours=1), grace=timedelta(minutes=5)
    )
    with db.transaction() as session:
        put_heartbeat(session, spec, actor="test", now=clock.now())


def _beats(db: Database) -> dict[str, tuple[str, object]]:
    with db.read() as session:
        rows = session.scalars(select(Heartbeat).order_by(Heartbeat.name))
        return {row.name: (row.state, row.due_at) for row in rows}


def _alerts(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.scalars(select(Alert).order_by(Alert.id))
        return [(alert.dedup_key, alert.status) for alert in rows]


def _check_ins(db: Database) -> tuple[int, int]:
    with db.read() as session:
        row = session.scalar(select(ErrorIngestion).where(ErrorIngestion.item_type == "check_in"))
        return (row.count, row.quantity) if row else (0, 0)


def test_an_ok_check_in_beats_the_heartbeat_and_a_late_one_opens_an_alert(
    db: Database, clock: FakeClock, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    _heartbeat(db, clock, "nightly-export", project.service)
    engine = build_engine(db, clock)
    with sdk(dsn_of(project, host)):
        assert capture_checkin(monitor_slug="nightly-export", status="in_progress")
    assert _beats(db) == {"nightly-export": ("new", None)}  # in_progress: counted only
    with sdk(dsn_of(project, host)):
        capture_checkin(monitor_slug="nightly-export", status="ok", duration=12.5)
    assert _beats(db)["nightly-export"] == ("up", clock.now() + timedelta(hours=1, minutes=5))
    assert _check_ins(db) == (2, 0) and stored(db) == (0, 0, 0)

    clock.advance(timedelta(hours=1, minutes=5))
    assert engine.tick().done["heartbeats"] == 1
    assert _alerts(db) == [("heartbeat:nightly-export", "firing")]

    with sdk(dsn_of(project, host)):
        capture_checkin(monitor_slug="nightly-export", status="ok")
    assert _alerts(db) == [("heartbeat:nightly-export", "resolved")]
    assert _beats(db)["nightly-export"][0] == "up"


def test_an_error_check_in_opens_the_alert_at_once_and_the_next_ok_resolves_it(
    db: Database, clock: FakeClock, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    _heartbeat(db, clock, "billing-run", project.service)
    with sdk(dsn_of(project, host)):
        capture_checkin(monitor_slug="billing-run", status="ok")
        capture_checkin(monitor_slug="billing-run", status="error")
    assert _alerts(db) == [("heartbeat:billing-run", "firing")]
    with db.read() as session:
        summary = session.scalar(select(Alert.summary))
    assert summary == "Heartbeat billing-run failed: its job checked in with status error"
    assert build_engine(db, clock).tick().done["heartbeats"] == 0  # down: not missed again
    with sdk(dsn_of(project, host)):
        capture_checkin(monitor_slug="billing-run", status="error")  # keeps it open
    assert _alerts(db) == [("heartbeat:billing-run", "firing")]
    clock.advance(timedelta(minutes=10))
    with sdk(dsn_of(project, host)):
        capture_checkin(monitor_slug="billing-run", status="ok")
    assert _alerts(db) == [("heartbeat:billing-run", "resolved")]


def test_an_unknown_slug_with_a_monitor_config_becomes_a_heartbeat_of_the_keys_service(
    db: Database, clock: FakeClock, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)):
        capture_checkin(monitor_slug="hourly-sync", status="ok", monitor_config=HOURLY)
    assert _beats(db) == {"hourly-sync": ("up", clock.now() + timedelta(hours=1, minutes=10))}
    with db.read() as session:
        beat = session.scalar(select(Heartbeat))
        assert (beat.interval_seconds, beat.grace_seconds) == (3600, 600)
        assert beat.service_id == project.project_id
        audited = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.entity_type == "heartbeat")
        )
        assert list(audited) == ["integration:sentry"]
    clock.advance(timedelta(hours=1, minutes=10))
    assert build_engine(db, clock).tick().done["heartbeats"] == 1
    assert _alerts(db) == [("heartbeat:hourly-sync", "firing")]


def test_an_unknown_slug_without_a_config_or_of_another_service_is_counted_as_unknown(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    other = add_project(db, clock, "billing")
    _heartbeat(db, clock, "billing-run", other.service)
    body = envelope(
        ({"type": "check_in"}, orjson.dumps({"monitor_slug": "nobody", "status": "ok"})),
        ({"type": "check_in"}, orjson.dumps({"monitor_slug": "billing-run", "status": "error"})),
    )
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 200
    assert _check_ins(db) == (2, 2)
    assert _beats(db) == {"billing-run": ("new", None)} and _alerts(db) == []


def test_a_check_in_without_a_slug_or_with_a_strange_status_is_refused_naming_it(
    db: Database, project: Project, client: TestClient
) -> None:
    for payload, field in (
        ({"status": "ok"}, "items[0] (check_in).monitor_slug"),
        ({"monitor_slug": "x", "status": "done"}, "items[0] (check_in).status"),
    ):
        body = envelope(({"type": "check_in"}, orjson.dumps(payload)))
        answer = client.post(
            f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
        )
        assert answer.status_code == 400
        assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]
    assert _check_ins(db) == (0, 0)


def test_a_monitor_config_past_any_duration_is_not_used_and_not_an_error(
    db: Database, project: Project, client: TestClient
) -> None:
    huge = 10**18  # minutes or days: past what a timedelta holds
    configs = (
        {"schedule": {"type": "interval", "value": huge, "unit": "day"}},
        {"schedule": {"type": "interval", "value": 1, "unit": "hour"}, "checkin_margin": huge},
    )
    for n, config in enumerate(configs):
        payload = {"monitor_slug": f"job-{n}", "status": "ok", "monitor_config": config}
        body = envelope(({"type": "check_in"}, orjson.dumps(payload)))
        answer = client.post(
            f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
        )
        assert answer.status_code == 200, answer.text
    # The schedule past any duration makes no heartbeat (an unknown monitor); the margin past
    # any is not used, so that heartbeat has the default grace, as without one.
    assert list(_beats(db)) == ["job-1"] and _check_ins(db) == (2, 1)
