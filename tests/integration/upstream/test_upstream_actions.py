"""Upstream actions against the database (SQLite and PostgreSQL): the upstream flag set where
incidents open, who is told and how often, the product owner's incident role, and the failures
an evidence bundle is built from (repeats counted, acknowledgements not, the window's ends)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.models import Person
from onwatch.directory.queries import get_service
from onwatch.incidents.models import Incident, IncidentRole
from onwatch.notifications.models import Notification
from onwatch.upstream import actions, bundles
from tests.adapters.web.test_upstream_api import ORG
from tests.integration.escalation.helpers import load, open_on

TELL = actions.Telling(base_url="https://onwatch.example")


def keys(db: Database) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(Notification.idempotency_key)
                .where(Notification.kind == "notice")
                .order_by(Notification.id)
            )
        )


def test_the_flag_is_set_where_incidents_open(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)
    theirs, ours = open_on(db, "records", clock.now()), open_on(db, "app", clock.now())
    with db.read() as session:
        assert session.get(Incident, theirs).upstream is True  # type: ignore[union-attr]
        assert session.get(Incident, ours).upstream is False  # type: ignore[union-attr]


def test_a_link_is_told_once_and_a_new_link_again(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)
    incident = open_on(db, "app", clock.now())
    for url in ("https://t.example/1", "https://t.example/1", "https://t.example/2"):
        with db.transaction() as session:
            actions.mark(
                session, incident, service="api", url=url, actor="ann", now=clock.now(),
                source="api", telling=TELL,
            )  # fmt: skip
    found = keys(db)
    assert len(found) == 4 and len(set(found)) == 4
    assert all(k.startswith(f"upstream:{incident}:marked:") for k in found)


def test_a_product_owner_role_someone_holds_is_left_alone(db: Database, clock: FakeClock) -> None:
    load(db, clock, ORG)
    incident = open_on(db, "api", clock.now())
    with db.transaction() as session:
        eng = session.scalar(select(Person.id).where(Person.handle == "eng"))
        session.add(IncidentRole(incident_id=incident, role="product_owner", person_id=eng))
    with db.transaction() as session:
        actions.mark(
            session, incident, service=None, url="https://t.example/1", actor="ann",
            now=clock.now(), source="ui", telling=TELL,
        )  # fmt: skip
    with db.read() as session:
        [role] = session.scalars(select(IncidentRole)).all()
        assert role.person_id == eng


def test_an_upstream_services_product_owner_comes_from_the_services_that_need_it(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock, ORG)
    incident = open_on(db, "records", clock.now())  # app → api → records
    with db.read() as session:
        found = session.get(Incident, incident)
        assert found is not None
        told = actions.told(session, found, get_service(session, "records"), TELL)
        assert [(p.handle, why) for p, why in told] == [("pat", "product owner")]


def event(action: str, key: str, **details: str) -> AlertEvent:
    return AlertEvent(
        action=action,  # type: ignore[arg-type]
        dedup_key=key,
        summary=f"{key} failing",
        severity="error",
        details=dict(details),
        raw={"summary": f"{key} failing", "details": dict(details)},
    )


def test_failures_count_repeats_not_acknowledgements_and_include_both_ends(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock, ORG)
    start = clock.now()
    with db.transaction() as session:
        service = get_service(session, "api").id
    sent = [
        (0, event("trigger", "a", url="https://x.example/a", client_ip="192.0.2.1")),
        (1, event("trigger", "a", url="https://x.example/a", client_ip="192.0.2.1")),  # repeat
        (2, event("acknowledge", "a")),
        (3, event("trigger", "b", url="https://x.example/b", client_ip="192.0.2.2")),
        (9, event("trigger", "c", url="https://x.example/c", client_ip="192.0.2.3")),
    ]
    for minute, one in sent:
        with db.transaction() as session:
            ingest(
                session,
                [Routed(service, "api", one)],
                integration_id=None,
                now=start + timedelta(minutes=minute),
            )
    with db.read() as session:
        incident = session.scalar(select(Incident.id))
        assert incident is not None
        everything = bundles.build_evidence(
            session, incident, since=start, until=start + timedelta(minutes=9), now=start
        )
        assert (everything.total_events, everything.unique_client_ips) == (4, 3)
        early = bundles.build_evidence(
            session, incident, since=start, until=start + timedelta(minutes=3), now=start
        )
        assert (early.total_events, early.unique_client_ips) == (3, 2)
        assert [s.url for s in early.samples] == ["https://x.example/a", "https://x.example/b"]
