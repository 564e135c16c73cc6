"""The alerting sections of the config file against a real database: `sli_rules:`, `alerting:`
and `heartbeats:` apply, report mistakes by place, prune, and export back unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.models import Alert, AlertPolicy, Heartbeat, SliRule
from onwatch.config.apply import Plan, apply, export
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.directory.queries import get_service
from onwatch.incidents.models import Incident

SERVICES = """\
services:
  - name: appointments
"""

FULL = (
    SERVICES
    + """\
alerting:
  - service: appointments
    grouping: {mode: labels, labels: [alertname]}
    auto_resolve: false
heartbeats:
  - name: nightly-sync
    service: appointments
    interval: 1d
    grace: 30m
sli_rules:
  - service: appointments
    rules:
      - {name: breaker-open, kind: breaker}
      - {name: slow, kind: latency, above: 8, for: 5m}
"""
)


def run(db: Database, clock: FakeClock, text: str, prune: bool = False) -> Plan:
    with db.transaction() as session:
        return apply(session, load(text), prune=prune, actor="test", now=clock.now())


def test_the_alerting_sections_apply_and_export_back_without_changes(
    db: Database, clock: FakeClock
) -> None:
    plan = run(db, clock, FULL)
    assert sorted(str(c).split("\n")[0] for c in plan.changes) == [
        "+ alerting appointments",
        "+ heartbeat nightly-sync",
        "+ service appointments",
        "+ sli_rules appointments",
    ]
    with db.read() as session:
        exported = export(session)
        policy = session.scalar(select(AlertPolicy))
        beat = session.scalar(select(Heartbeat))
    assert (policy.grouping, policy.auto_resolve) == (
        {"mode": "labels", "labels": ["alertname"]},
        False,
    )
    assert (beat.interval_seconds, beat.grace_seconds, beat.state, beat.key_hash) == (
        86400,
        1800,
        "new",
        None,
    )
    assert "interval: 1d" in exported and "grace: 30m" in exported
    assert run(db, clock, exported).changes == []
    assert run(db, clock, FULL).changes == []


def test_the_alerting_policy_from_the_file_groups_incidents_by_label(
    db: Database, clock: FakeClock
) -> None:
    run(db, clock, FULL)
    with db.transaction() as session:
        service = get_service(session, "appointments").id
        ingest(
            session,
            [
                Routed(
                    service,
                    "appointments",
                    AlertEvent(
                        action="trigger",
                        dedup_key=k,
                        summary=k,
                        severity="error",
                        labels={"alertname": name},
                    ),
                )
                for k, name in (("1", "Latency"), ("2", "Errors"), ("3", "Latency"))
            ],
            integration_id=None,
            now=clock.now(),
        )
        ingest(
            session,
            [Routed(service, "appointments", AlertEvent(action="resolve", dedup_key="2"))],
            integration_id=None,
            now=clock.now(),
        )
    with db.read() as session:
        incidents = list(session.scalars(select(Incident).order_by(Incident.id)))
    # auto_resolve: false keeps the Errors incident open after its only alert resolved.
    assert [(i.alert_count, i.status) for i in incidents] == [(2, "triggered"), (1, "triggered")]


@pytest.mark.parametrize(
    ("section", "place", "words"),
    [
        (
            "sli_rules:\n  - service: nope\n    rules: [{name: b, kind: breaker}]\n",
            "sli_rules[0].service",
            "no service 'nope'",
        ),
        (
            "sli_rules:\n  - service: appointments\n    rules: [{name: b, kind: vibes}]\n",
            "sli_rules[0].rules[0]",
            "kind",
        ),
        (
            "sli_rules:\n  - service: appointments\n    rules: [{name: b, kind: breaker, "
            "for: 24h}]\n",
            "sli_rules[0].rules[0]",
            "onwatch keeps 1d",
        ),
        (
            "sli_rules:\n  - service: appointments\n    rules: [{name: b, kind: breaker}, "
            "{name: b, kind: breaker}]\n",
            "sli_rules[0]",
            "repeated: b",
        ),
        (
            "alerting:\n  - service: appointments\n    grouping: {mode: labels}\n",
            "alerting[0].grouping",
            "needs `labels`",
        ),
        (
            "heartbeats:\n  - name: h\n    service: appointments\n    interval: 2s\n",
            "heartbeats[0]",
            "at least 10s",
        ),
        (
            "heartbeats:\n  - name: h\n    service: ghost\n    interval: 1h\n",
            "heartbeats[0].service",
            "no service 'ghost'",
        ),
    ],
)
def test_mistakes_are_reported_by_place_and_nothing_is_written(
    db: Database, clock: FakeClock, section: str, place: str, words: str
) -> None:
    with pytest.raises(Invalid) as raised:
        run(db, clock, SERVICES + section)
    found = [e for e in raised.value.errors if e.field.startswith(place)]
    assert found and words in found[0].message, raised.value.errors
    with db.read() as session:
        assert session.scalars(select(SliRule)).all() == []
        assert session.scalars(select(AlertPolicy)).all() == []


def test_pruning_a_firing_rule_resolves_its_alert(db: Database, clock: FakeClock) -> None:
    run(db, clock, FULL)
    with db.transaction() as session:
        rule = session.scalar(select(SliRule).where(SliRule.name == "breaker-open"))
        rule.firing = True
        service = get_service(session, "appointments").id
        ingest(
            session,
            [
                Routed(
                    service,
                    "appointments",
                    AlertEvent(
                        action="trigger",
                        dedup_key="sli:breaker-open",
                        summary="breaker",
                        severity="critical",
                    ),
                )
            ],
            integration_id=None,
            now=clock.now(),
        )
    clock.advance(timedelta(minutes=1))
    plan = run(db, clock, SERVICES, prune=True)
    assert {c.kind for c in plan.changes} == {"sli_rules", "alerting", "heartbeat"}
    with db.read() as session:
        assert session.scalars(select(SliRule)).all() == []
        alert = session.scalar(select(Alert))
    assert (alert.status, alert.resolved_at) == ("resolved", clock.now())


def test_changing_a_rule_keeps_the_state_of_the_rules_that_stay(
    db: Database, clock: FakeClock
) -> None:
    run(db, clock, FULL)
    with db.transaction() as session:
        session.scalar(select(SliRule).where(SliRule.name == "slow")).firing = True
    run(db, clock, FULL.replace("above: 8", "above: 6"))
    with db.read() as session:
        slow = session.scalar(select(SliRule).where(SliRule.name == "slow"))
    assert (slow.firing, slow.spec["above"]) == (True, 6.0)
