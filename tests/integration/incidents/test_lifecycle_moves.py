"""The lifecycle on both databases: mitigating stops the pages and the ack timeout, a reopened
incident escalates again, closing waits for a required post-mortem (settled by publishing or
waiving it), refused moves change nothing, severity and priority are separate fields, and a
duplicate is resolved with its open alerts moved to the incident that stays."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.merging import merge_incidents
from onwatch.alerts.models import Alert
from onwatch.alerts.responding import acknowledge_incident, mitigate_incident, resolve_incident
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict, Invalid
from onwatch.directory.queries import get_service
from onwatch.incidents import transitions
from onwatch.incidents.actions import reopen
from onwatch.incidents.models import Incident, SeverityLevel, TimelineEntry
from onwatch.incidents.queries import incident_numbers
from tests.integration.escalation.helpers import engine, load, open_on, pages, state
from tests.timeline import unruled

NY = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)
MOVES = ("resolved", "closed", "reopened")
AT = datetime(2026, 3, 7, 21, 0, tzinfo=NY)  # Saturday night: a 60-minute ack deadline


def incident(db: Database, incident_id: int) -> Incident:
    with db.read() as session:
        found = session.get(Incident, incident_id)
        assert found is not None
        session.expunge(found)
        return found


def entries(db: Database, incident_id: int) -> list[tuple[str, str, str, str]]:
    with db.read() as session:
        return [
            (e.kind, e.actor, e.source, e.text)
            for e in session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident_id)
                .order_by(TimelineEntry.id)
            )
        ]


def test_mitigating_cancels_pending_pages_and_nothing_more_is_paged(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT)
    run = engine(db, clock)
    run.tick(AT)
    with db.transaction() as session:
        acknowledge_incident(session, opened, actor="user:ann", now=AT + MINUTE, source="ui")
        _, changed = mitigate_incident(
            session, opened, actor="user:ann", now=AT + 5 * MINUTE, source="ui"
        )
    assert changed
    # Past the policy's 30-minute ack timeout, which would trigger an acknowledged one again.
    run.tick(AT + 3 * 60 * MINUTE)
    assert incident(db, opened).status == "mitigated"
    assert pages(db, opened) == [(f"page:{opened}:0:0:0", "ann")]
    assert state(db, opened).state == "stopped"
    assert entries(db, opened)[-1] == ("mitigated", "user:ann", "ui", "Mitigated")


def test_a_triggered_incident_mitigated_before_the_first_tick_pages_nobody(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT)
    with db.transaction() as session:
        mitigate_incident(session, opened, actor="user:ann", now=AT, source="api")
    engine(db, clock).tick(AT + 60 * MINUTE)
    assert pages(db, opened) == []
    found = incident(db, opened)
    assert (found.status, found.acknowledged_at, found.mitigated_at) == ("mitigated", AT, AT)


def test_a_reopened_closed_incident_that_was_never_acknowledged_escalates_again(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT)
    with db.transaction() as session:
        resolve_incident(session, opened, actor="user:ann", now=AT, source="cli")
        transitions.close(session, opened, actor="user:ann", now=AT + MINUTE, source="cli")
    run = engine(db, clock)
    run.tick(AT + 2 * MINUTE)
    assert pages(db, opened) == []
    with db.transaction() as session:
        reopen(session, opened, actor="user:bob", now=AT + 10 * MINUTE, source="api")
    found = incident(db, opened)
    assert (found.status, found.resolved_at, found.closed_at) == ("triggered", None, None)
    run.tick(AT + 10 * MINUTE)
    assert pages(db, opened) == [(f"page:{opened}:1:0:0", "ann")]
    moves = [(k, source) for k, _, source, _ in entries(db, opened) if k in MOVES]
    assert moves == [("resolved", "cli"), ("closed", "cli"), ("reopened", "api")]


def _required(db: Database, incident_id: int) -> None:
    """A critical incident requires a post-mortem from its opening (the default rules)."""
    found = incident(db, incident_id)
    assert (found.postmortem_required, found.postmortem_reasons) == (
        True,
        ["its severity is sev1 (Critical)"],
    )


def test_closing_waits_for_a_required_post_mortem_and_changes_nothing_when_refused(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT, severity="sev1")
    _required(db, opened)
    with db.transaction() as session:
        resolve_incident(session, opened, actor="user:ann", now=AT + MINUTE)
    with pytest.raises(Conflict) as refused, db.transaction() as session:
        transitions.close(session, opened, actor="user:ann", now=AT + 2 * MINUTE)
    assert refused.value.message == (
        f"incident {opened} requires a post-mortem (its severity is sev1 (Critical)), so it closes "
        "only once the post-mortem is published or waived with a reason"
    )
    assert incident(db, opened).status == "resolved"
    assert entries(db, opened)[-1][0] == "resolved"


@pytest.mark.parametrize("settled", ["published", "waived"])
def test_settling_the_post_mortem_closes_a_resolved_incident(
    db: Database, clock: FakeClock, settled: str
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT, severity="sev1")
    _required(db, opened)
    with db.transaction() as session:
        resolve_incident(session, opened, actor="user:ann", now=AT + MINUTE)
        found = session.get(Incident, opened)
        assert found is not None
        transitions.postmortem_settled(
            session,
            found,
            state=settled,
            reason="a known upstream fault" if settled == "waived" else None,
            actor="user:dee",
            source="ui",
            now=AT + 60 * MINUTE,
        )
    found = incident(db, opened)
    assert (found.status, found.postmortem_state, found.closed_at) == (
        "closed",
        settled,
        AT + 60 * MINUTE,
    )
    said = (
        "Post-mortem published"
        if settled == "published"
        else ("Post-mortem waived: a known upstream fault")
    )
    assert entries(db, opened)[-2:] == [
        ("postmortem", "user:dee", "ui", said),
        ("closed", "user:dee", "ui", f"Closed: the post-mortem is {settled}"),
    ]
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_key == str(opened))
        ).all()
    assert {"incident.postmortem", "incident.close"} <= set(actions)


def test_a_waiver_needs_a_reason(db: Database, clock: FakeClock) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT)
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        found = session.get(Incident, opened)
        assert found is not None
        transitions.postmortem_settled(
            session, found, state="waived", reason="  ", actor="x", source="api", now=AT
        )
    assert [e.field for e in refused.value.errors] == ["reason"]
    assert incident(db, opened).postmortem_state is None


def test_acknowledging_a_closed_incident_is_refused_and_says_it_can_be_reopened(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT)
    with db.transaction() as session:
        resolve_incident(session, opened, actor="user:ann", now=AT)
        transitions.close(session, opened, actor="user:ann", now=AT)
    with pytest.raises(Conflict) as refused, db.transaction() as session:
        acknowledge_incident(session, opened, actor="user:ann", now=AT + MINUTE)
    assert refused.value.message.endswith("it can be reopened")
    assert incident(db, opened).acknowledged_at is None


def test_a_move_read_on_a_clock_behind_is_recorded_at_the_last_instant(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT)
    with db.transaction() as session:
        acknowledge_incident(session, opened, actor="user:ann", now=AT + 5 * MINUTE)
        # Another process whose clock is two seconds behind resolves it.
        resolve_incident(session, opened, actor="user:bob", now=AT + 5 * MINUTE - 2 * (MINUTE / 60))
    found = incident(db, opened)
    assert found.resolved_at == found.acknowledged_at == AT + 5 * MINUTE
    with db.read() as session:
        numbers = incident_numbers(session, session.get(Incident, opened))
    assert numbers.time_to_acknowledge == numbers.time_to_resolve == 5 * MINUTE


def test_severity_and_priority_change_apart_with_the_configured_names(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT, severity="sev3")
    with db.transaction() as session:
        session.add(SeverityLevel(code="sev1", name="Outage"))
        _, changed = transitions.change(
            session,
            opened,
            {"severity": "sev1", "priority": "p2"},
            actor="user:ann",
            now=AT,
            source="cli",
        )
    assert changed == ["severity", "priority"]
    found = incident(db, opened)
    assert (found.severity, found.priority) == ("sev1", "p2")
    assert entries(db, opened)[-4:-1] == [
        ("severity", "user:ann", "cli", "Severity changed from sev3 (Minor) to sev1 (Outage)"),
        ("priority", "user:ann", "cli", "Priority changed from none to p2"),
        # Critical now: the post-mortem rules note it (and tell the product owner, if any).
        (
            "postmortem_required",
            "user:ann",
            "cli",
            "Post-mortem required: its severity is sev1 (Outage)",
        ),
    ]


def test_bad_values_are_refused_together_naming_each_field_and_change_nothing(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    opened = open_on(db, "api", AT, severity="sev3")
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        transitions.change(
            session,
            opened,
            {"severity": "sev9", "priority": "urgent", "title": " "},
            actor="user:ann",
            now=AT,
        )
    assert [e.field for e in refused.value.errors] == ["severity", "priority", "title"]
    found = incident(db, opened)
    assert (found.severity, found.priority) == ("sev3", None)


def _fire(db: Database, clock: FakeClock, key: str) -> int:
    with db.transaction() as session:
        service_id = get_service(session, "unpaged").id
        [outcome] = ingest(
            session,
            [Routed(service_id, "unpaged", AlertEvent("trigger", key, summary=f"{key} down"))],
            integration_id=None,
            now=clock.now(),
        )
    assert outcome.incident_id is not None
    return outcome.incident_id


def test_a_duplicate_is_resolved_and_its_open_alerts_move_to_the_incident_that_stays(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    with db.transaction() as session:
        service_id = get_service(session, "unpaged").id
    stays, duplicate = open_on(db, "unpaged", AT), None
    duplicate = _fire(db, clock, "disk")
    assert duplicate != stays
    with db.transaction() as session:
        merge_incidents(session, duplicate, stays, actor="user:ann", now=AT, source="ui")
    merged, kept = incident(db, duplicate), incident(db, stays)
    assert (merged.status, merged.duplicate_of_id, merged.alert_count) == ("resolved", stays, 0)
    assert kept.alert_count == 1
    with db.read() as session:
        alert = session.scalar(select(Alert).where(Alert.service_id == service_id))
        assert alert is not None and alert.incident_id == stays and alert.status == "firing"
    said = [e[3] for e in unruled(entries(db, duplicate))]
    assert said[-2:] == [
        f"Marked a duplicate of #{stays} unpaged is down",
        f"Resolved: a duplicate of #{stays}",
    ]
    assert [e[3] for e in entries(db, stays)][-2:] == [
        f"#{duplicate} disk down was marked a duplicate of this incident",
        f"1 open alert moved here from #{duplicate}",
    ]


def test_merging_into_itself_a_closed_incident_or_in_a_cycle_is_refused(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    a, b, c = (open_on(db, "unpaged", AT + n * MINUTE) for n in range(3))
    with pytest.raises(Invalid) as itself, db.transaction() as session:
        merge_incidents(session, a, a, actor="x", now=AT)
    assert [e.field for e in itself.value.errors] == ["into"]
    with db.transaction() as session:
        merge_incidents(session, a, b, actor="x", now=AT)
    with pytest.raises(Conflict) as cycle, db.transaction() as session:
        merge_incidents(session, b, a, actor="x", now=AT)
    assert "would make a cycle" in cycle.value.message
    with db.transaction() as session:
        resolve_incident(session, c, actor="x", now=AT)
        transitions.close(session, c, actor="x", now=AT)
    with pytest.raises(Conflict) as closed, db.transaction() as session:
        merge_incidents(session, b, c, actor="x", now=AT)
    assert (
        closed.value.message
        == f"incident {c} is closed, so nothing merges into it; reopen it first"
    )
    assert incident(db, b).status == "triggered" and incident(db, b).duplicate_of_id is None
