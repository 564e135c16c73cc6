"""Escalation on both databases, with a fake clock and engine ticks: steps fire in order with
their delays, ack deadlines come from the service's calendar and record breaches, a step that
reaches nobody escalates at once, acknowledging and resolving stop it, an ack timeout triggers
again, low urgency notifies once (held outside coverage), and the policy is a snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from onwatch.alerts.responding import acknowledge_incident, resolve_incident
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.actions import reopen
from onwatch.incidents.escalating import late_count, next_due
from onwatch.incidents.models import Incident
from tests.integration.escalation.helpers import (
    ORG,
    breaches,
    engine,
    load,
    open_on,
    pages,
    state,
    timeline,
)

NY = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def test_steps_fire_in_order_and_a_lapsed_ack_deadline_is_a_breach(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    saturday = _at("2026-03-07T21:00")  # outside business hours: a 60-minute deadline
    incident = open_on(db, "api", saturday)
    run = engine(db, clock)
    assert pages(db, incident) == []  # the engine pages, not the transaction that opened it
    run.tick(saturday)
    # Week of 2026-03-02: ann is primary, bob secondary (a pair rotating weekly from Jan 5).
    assert pages(db, incident) == [(f"page:{incident}:0:0:0", "ann")]
    with db.read() as session:
        assert next_due(session) == saturday + 60 * MINUTE
    run.tick(saturday + 59 * MINUTE)
    assert len(pages(db, incident)) == 1 and breaches(db, incident) == []
    run.tick(saturday + 60 * MINUTE)
    assert pages(db, incident)[1:] == [(f"page:{incident}:0:0:1", "bob")]
    [breach] = breaches(db, incident)
    assert (breach.step, breach.deadline_at) == (0, saturday + 60 * MINUTE)
    assert timeline(db, incident, "sla_breach") == [
        "SLA breach: not acknowledged within 60 minutes of step 1"
    ]
    run.tick(saturday + 70 * MINUTE)
    assert pages(db, incident)[2:] == [
        (f"page:{incident}:0:0:2", "cy"),
        (f"page:{incident}:0:0:2", "#ops-mail"),
    ]
    run.tick(saturday + 80 * MINUTE)
    assert state(db, incident).state == "done"
    assert timeline(db, incident, "escalation")[-1] == "Escalation policy main has no further step"
    run.tick(saturday + 200 * MINUTE)
    assert len(pages(db, incident)) == 4


def test_inside_business_hours_the_deadline_is_fifteen_minutes(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    tuesday = _at("2026-03-10T10:00")
    incident = open_on(db, "api", tuesday)
    run = engine(db, clock)
    run.tick(tuesday)
    run.tick(tuesday + 14 * MINUTE)
    assert [who for _, who in pages(db, incident)] == ["bob"]  # week of Mar 9: bob primary
    run.tick(tuesday + 15 * MINUTE)
    assert [who for _, who in pages(db, incident)] == ["bob", "ann"]
    assert len(breaches(db, incident)) == 1


def test_acknowledging_stops_escalation_and_cancels_pending_pages(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    at = _at("2026-03-07T21:00")
    incident = open_on(db, "api", at)
    run = engine(db, clock)
    run.tick(at)
    with db.transaction() as session:
        acknowledge_incident(session, incident, actor="user:ann", now=at + 5 * MINUTE)
    assert pages(db, incident, "pending") == []
    assert pages(db, incident, "cancelled") == [(f"page:{incident}:0:0:0", "ann")]
    run.tick(at + 34 * MINUTE)
    assert len(pages(db, incident)) == 1 and breaches(db, incident) == []
    # The policy's ack timeout (30 minutes): still open, so triggered again from step 1.
    assert state(db, incident).state == "acknowledged"
    run.tick(at + 35 * MINUTE)
    with db.read() as session:
        assert session.get(Incident, incident).status == "triggered"
    assert pages(db, incident)[1:] == [(f"page:{incident}:1:0:0", "ann")]
    assert timeline(db, incident, "ack_timeout") == [
        "Still open 30 minutes after the acknowledgement: triggered again, escalating from "
        "the first step"
    ]


def test_an_incident_opened_and_resolved_before_a_tick_pages_nobody(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    at = _at("2026-03-07T21:00")
    incident = open_on(db, "api", at)
    with db.transaction() as session:
        resolve_incident(session, incident, actor="user:ann", now=at)
    engine(db, clock).tick(at + 2 * 60 * MINUTE)
    assert pages(db, incident) == []
    assert state(db, incident).state == "stopped"


def test_a_step_that_reaches_nobody_is_on_the_timeline_and_escalates_at_once(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    night = _at("2026-03-10T23:00")  # the daytime schedule has nobody outside business hours
    incident = open_on(db, "gappy", night)
    engine(db, clock).tick(night)
    assert pages(db, incident) == [(f"page:{incident}:0:0:1", "dee")]
    assert timeline(db, incident, "escalation")[1:] == [
        "Step 1: no one on call for daytime/primary",
        "Step 1 reached nobody: escalating",
        "Step 2: paged Dee Dunn (team ops/commander)",
    ]


def test_round_robin_takes_turns_across_incidents_and_repeat_runs_the_policy_again(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    at = _at("2026-03-10T10:00")
    first, second = open_on(db, "turns", at), open_on(db, "turns", at)
    loud = open_on(db, "loud", at)
    run = engine(db, clock)
    run.tick(at)
    whom = {who for _, who in pages(db, first)} | {who for _, who in pages(db, second)}
    assert whom == {"ann", "bob"} and len(pages(db, first)) == len(pages(db, second)) == 1
    run.tick(at + 5 * MINUTE)
    run.tick(at + 10 * MINUTE)
    assert pages(db, loud) == [(f"page:{loud}:0:0:0", "dee"), (f"page:{loud}:0:1:0", "dee")]
    assert state(db, loud).state == "done"


def test_low_urgency_outside_coverage_waits_for_the_hours_then_notifies_once(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    friday = _at("2026-03-13T20:00")
    incident = open_on(db, "quiet", friday)
    run = engine(db, clock)
    run.tick(friday)
    monday = _at("2026-03-16T09:00")
    assert state(db, incident).state == "held" and state(db, incident).next_at == monday
    run.tick(monday - MINUTE)
    assert pages(db, incident) == []
    run.tick(monday)
    # The main policy's first step (the pair's primary), low urgency, and no escalation after.
    assert pages(db, incident) == [(f"page:{incident}:0:0:0", "ann")]
    run.tick(monday + 5 * 60 * MINUTE)
    assert len(pages(db, incident)) == 1 and state(db, incident).state == "done"


def test_severity_picks_the_urgency(db: Database, clock: FakeClock) -> None:
    load(db, clock)
    at = _at("2026-03-10T10:00")
    high, low = open_on(db, "graded", at, "sev2"), open_on(db, "graded", at, "sev3")
    assert (state(db, high).urgency, state(db, low).urgency) == ("high", "low")


def test_later_edits_of_the_policy_reach_new_incidents_only(db: Database, clock: FakeClock) -> None:
    load(db, clock)
    at = _at("2026-03-10T10:00")
    before = open_on(db, "loud", at)
    load(db, clock, _org_with_once_paging("cy"))
    after = open_on(db, "loud", at)
    engine(db, clock).tick(at)
    assert [who for _, who in pages(db, before)] == ["dee"]
    assert [who for _, who in pages(db, after)] == ["cy"]


def test_a_service_without_a_policy_pages_nobody_and_nothing_is_late(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    at = _at("2026-03-10T10:00")
    incident = open_on(db, "unpaged", at)
    engine(db, clock).tick(at)
    assert pages(db, incident) == []
    with db.read() as session:
        assert late_count(session, at + 60 * MINUTE) == 0


def test_a_step_not_fired_in_time_counts_as_late(db: Database, clock: FakeClock) -> None:
    load(db, clock)
    at = _at("2026-03-10T10:00")
    open_on(db, "loud", at)
    with db.read() as session:
        assert late_count(session, at + 29 * timedelta(seconds=1)) == 0
        assert late_count(session, at + 31 * timedelta(seconds=1)) == 1
    engine(db, clock).tick(at + 31 * timedelta(seconds=1))
    with db.read() as session:
        assert late_count(session, at + 31 * timedelta(seconds=1)) == 0


def _org_with_once_paging(handle: str) -> str:
    return ORG.replace(
        "{targets: [{person: dee}], delay: 5m}", f"{{targets: [{{person: {handle}}}], delay: 5m}}"
    )


def test_a_reopened_incident_escalates_again_from_the_first_step(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    at = _at("2026-03-10T10:00")
    incident = open_on(db, "loud", at)
    run = engine(db, clock)
    run.tick(at)
    with db.transaction() as session:
        resolve_incident(session, incident, actor="user:ann", now=at + MINUTE)
    with db.transaction() as session:
        reopen(session, incident, actor="user:ann", now=at + 2 * MINUTE)
    run.tick(at + 2 * MINUTE)
    assert pages(db, incident) == [
        (f"page:{incident}:0:0:0", "dee"),
        (f"page:{incident}:1:0:0", "dee"),
    ]
