"""People's contact methods and notification rules from a config file: stored, exported back
unchanged, refused naming the field with nothing written; a page writes one outbox row per rule
(idempotent by key), and acknowledging cancels the rows still pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onwatch.config import document
from onwatch.config.apply import Plan, apply, export
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.directory.actions import delete_person
from onwatch.directory.models import NotificationRule, Person, Service
from onwatch.incidents.actions import acknowledge, open_incident
from onwatch.incidents.models import Incident
from onwatch.notifications.models import Notification
from onwatch.notifications.pages import page_person

FILE = """\
version: 1
people:
  - handle: ann
    name: Ann Archer
    email: ann@example.org
    contact_methods:
      - {type: ntfy, address: "https://ntfy.example.org/ann-pager-9f2c", label: phone push}
      - {type: sms, address: "+15555550100", label: work phone, url: "env:ANN_TWILIO_URL"}
      - {type: slack, address: U0B2ANN, label: office chat}
    notification_rules:
      high:
        - {contact: phone push}
        - {contact: email, after: 2m}
        - {contact: 2, after: 5m}
      low:
        - {contact: email, after: 10m}
  - {handle: bob, name: Bob Byrne, email: bob@example.org}
"""


def applied(db: Database, clock: FakeClock, text: str) -> Plan:
    with db.transaction() as session:
        return apply(session, document.load(text), prune=False, actor="t", now=clock.now())


def refusal(db: Database, clock: FakeClock, text: str) -> list[str]:
    with pytest.raises(Invalid) as raised:
        applied(db, clock, text)
    return [str(e) for e in raised.value.errors]


def test_rules_are_stored_exported_back_unchanged_and_warned_about(
    db: Database, clock: FakeClock
) -> None:
    plan = applied(db, clock, FILE)
    assert plan.warnings == [
        "1 person has no notification rules (bob): a page reaches them by one e-mail at once; "
        "add notification_rules to page them by push, chat or phone",
        "contact methods of ann (slack 3): a Slack member id is shown to people, never paged; "
        "to page by Slack, add a contact method whose address is a reference (env:NAME) to a "
        "Slack webhook URL that posts to the person",
        "person ann: contact_methods[1].url: env:ANN_TWILIO_URL is not set in this environment; "
        "onwatch reads it when it sends, so it must be readable where `onwatch serve` or "
        "`onwatch engine` runs",
    ]
    with db.read() as session:
        stored = session.execute(
            select(
                NotificationRule.urgency, NotificationRule.contact, NotificationRule.delay_seconds
            ).order_by(NotificationRule.urgency, NotificationRule.position)
        ).all()
        text = export(session)
    assert [tuple(r) for r in stored] == [
        ("high", "phone push", 0), ("high", "email", 120), ("high", "2", 300), ("low", "email", 600)
    ]  # fmt: skip
    assert "after: 5m" in text and "contact: 2\n" in text
    assert applied(db, clock, text).changes == []
    assert applied(db, clock, FILE).changes == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            ("{contact: 2, after: 5m}", "{contact: 3, after: 5m}"),
            "people[0].notification_rules.high[2].contact: contact method 3 cannot be paged: "
            "a Slack member id is shown",
        ),
        (
            ("{contact: 2, after: 5m}", "{contact: 9}"),
            "people[0].notification_rules.high[2].contact: no contact method 9: the person has 3",
        ),
        (
            ("{contact: phone push}", "{contact: pager}"),
            "people[0].notification_rules.high[0].contact: no contact method labelled 'pager'",
        ),
        (
            ("after: 2m}", "after: -2m}"),
            "people[0].notification_rules.high[1].after: expected a duration",
        ),
        (
            ("after: 2m}", "after: 2d}"),
            "people[0].notification_rules.high[1].after: must be between 0m and 24h",
        ),
        (
            (', url: "env:ANN_TWILIO_URL"', ', url: "twilio://sid:token@15555550199/15555550100"'),
            "people[0].contact_methods[1].url: ",
        ),
        (
            ("label: work phone,", "label: work phone, secret: whsec_abc,"),
            "people[0].contact_methods[1].secret: an sms contact method has no secret",
        ),
        (
            ("type: ntfy, address: \"https://ntfy.example.org/ann-pager-9f2c\"",
             "type: webhook, address: \"https://hooks.example.org/ann\""),
            "people[0].contact_methods[0].secret: required for a webhook",
        ),
    ],
)  # fmt: skip
def test_a_bad_contact_method_or_rule_is_refused_naming_its_field_with_nothing_written(
    db: Database, clock: FakeClock, change: tuple[str, str], error: str
) -> None:
    broken = FILE.replace(*change)
    assert broken != FILE
    [found] = [e for e in refusal(db, clock, broken) if not e.startswith("nothing")]
    assert found.startswith(error), found
    with db.read() as session:
        assert session.scalar(select(Person.id)) is None


def _incident(db: Database, clock: FakeClock) -> int:
    with db.transaction() as session:
        session.add(Service(name="checkout"))
        session.flush()
        service_id = session.scalar(select(Service.id))
        return open_incident(
            session, service_id=service_id, title="cards failing", severity="sev1",
            now=clock.now(), actor="test",
        ).id  # fmt: skip


def _ids(db: Database) -> dict[str, int]:
    with db.read() as session:
        return dict(session.execute(select(Person.handle, Person.id)).all())


def _rows(db: Database) -> list[tuple[str, str, str, int]]:
    with db.read() as session:
        found = session.execute(
            select(
                Notification.idempotency_key,
                Notification.state,
                Notification.destination,
                Notification.due_at,
            ).order_by(Notification.id)
        ).all()
    return [(k, s, d["kind"], int((due - found[0][3]).total_seconds())) for k, s, d, due in found]


def test_a_page_writes_one_row_per_rule_once_and_an_ack_cancels_those_pending(
    db: Database, clock: FakeClock
) -> None:
    applied(db, clock, FILE)
    incident = _incident(db, clock)
    ann, bob = _ids(db)["ann"], _ids(db)["bob"]
    key = f"page:{incident}:0:0:0"
    for _ in range(2):  # an engine that fires the step twice writes nothing more
        with db.transaction() as session:
            for person in (ann, bob):
                page_person(
                    session, incident_id=incident, person_id=person, urgency="high", key=key,
                    at=clock.now(), now=clock.now(),
                )  # fmt: skip
    with db.read() as session:
        methods = {m.label: m.id for m in session.get(Person, ann).contact_methods}
    assert _rows(db) == [
        (f"{key}:{ann}:{methods['phone push']}:0", "pending", "ntfy", 0),
        (f"{key}:{ann}:email:1", "pending", "email", 120),
        (f"{key}:{ann}:{methods['work phone']}:2", "pending", "apprise", 300),
        (f"{key}:{bob}:email:0", "pending", "email", 0),
    ]
    # The first rules were delivered; then Ann acknowledges before the later ones are due.
    with db.transaction() as session:
        for row in session.scalars(select(Notification).where(Notification.due_at == clock.now())):
            row.state = "sent"
    clock.advance(timedelta(minutes=1))
    with db.transaction() as session:
        # Acknowledging cancels the pages still pending (the escalation's hook), at once.
        acknowledge(session, session.get(Incident, incident), actor="person:ann", now=clock.now())
    assert [s for _, s, _, _ in _rows(db)] == ["sent", "cancelled", "cancelled", "sent"]


def test_deleting_a_person_with_rules_and_pages_keeps_the_pages_snapshots(
    db: Database, clock: FakeClock
) -> None:
    applied(db, clock, FILE)
    incident = _incident(db, clock)
    with db.transaction() as session:
        page_person(
            session, incident_id=incident, person_id=_ids(db)["ann"], urgency="high",
            key="page:x", at=clock.now(), now=clock.now(),
        )  # fmt: skip
    with db.transaction() as session:
        delete_person(session, "ann", actor="t", now=clock.now())
    with db.read() as session:
        assert session.scalar(select(NotificationRule.id)) is None
        rows = session.execute(
            select(
                Notification.person_id, Notification.contact_method_id, Notification.destination
            ).order_by(Notification.id)
        ).all()
    assert [(p, c) for p, c, _ in rows] == [(None, None)] * 3
    assert [d["kind"] for _, _, d in rows] == ["ntfy", "email", "apprise"]
