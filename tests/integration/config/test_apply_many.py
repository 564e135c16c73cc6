"""`apply` on a file of many people, teams and services: every section is read and written at
once, so the statements it runs do not grow with the items, an unchanged file writes nothing,
and a change to one item among many is the only change made, reported and audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import event, func, select

from onwatch.audit.models import AuditEntry
from onwatch.config import document
from onwatch.config.apply import Plan, apply, export
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from tests.adapters.cli.conftest import database_state


def organisation(people: int, teams: int, services: int) -> dict[str, Any]:
    handles = [f"p{n:04d}" for n in range(people)]
    team_names = [f"t{n:03d}" for n in range(teams)]
    service_names = [f"s{n:03d}" for n in range(services)]
    return {
        "version": 1,
        "people": [
            {
                "handle": h,
                "name": f"Person {n}",
                "email": f"{h}@example.org",
                "contact_methods": [{"type": "sms", "address": f"+1555{n:07d}"}]
                + ([{"type": "slack", "address": f"U{n}", "label": "chat"}] if n % 2 else []),
            }
            for n, h in enumerate(handles)
        ],
        "teams": [
            {
                "name": name,
                "members": handles[n::teams],
                "tech_lead": handles[n],
                "roles": {"product_owner": {"person": handles[n], "backup": handles[n + teams]}},
            }
            for n, name in enumerate(team_names)
        ],
        "services": [
            {
                "name": name,
                "team": team_names[n % teams],
                # Each depends on the next one, which the file declares after it.
                "depends_on": service_names[n + 1 : n + 2],
                "runbooks": [{"title": "Down", "url": f"https://example.org/{name}"}],
            }
            for n, name in enumerate(service_names)
        ],
    }


def applied(db: Database, body: dict[str, Any], clock: FakeClock, *, prune: bool = False) -> Plan:
    doc = document.load(yaml.safe_dump(body, sort_keys=False), "org.yaml")
    assert doc.errors == []
    with db.transaction() as session:
        return apply(session, doc, prune=prune, actor="test", now=clock.now())


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def audit_entries(db: Database) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_the_statements_apply_runs_do_not_grow_with_the_number_of_items(
    db: Database, clock: FakeClock
) -> None:
    counts = []
    for size in (1, 6):
        body = organisation(people=20 * size, teams=2 * size, services=5 * size)
        with statements(db) as created:
            applied(db, body, clock)
        body["people"][3]["name"] = "Renamed"
        with statements(db) as changed:
            applied(db, body, clock)
        with statements(db) as unchanged:
            applied(db, body, clock)
        counts.append((len(created), len(changed), len(unchanged)))
        applied(db, {"version": 1}, clock, prune=True)
    assert counts[0] == counts[1]


def test_an_unchanged_file_applied_again_writes_nothing_and_audits_nothing(
    db: Database, clock: FakeClock
) -> None:
    body = organisation(people=60, teams=6, services=12)
    first = applied(db, body, clock)
    assert len(first.changes) == 60 + 6 + 12
    assert len(audit_entries(db)) == 78
    before = database_state(db)

    again = applied(db, body, clock)

    assert again.changes == []
    assert database_state(db) == before


def test_a_change_to_one_person_among_many_is_the_only_change_and_audit_entry(
    db: Database, clock: FakeClock
) -> None:
    body = organisation(people=60, teams=6, services=12)
    applied(db, body, clock)
    before = database_state(db)
    body["people"][31]["name"] = "Person Thirty"
    body["people"][31]["contact_methods"] = [{"type": "email", "address": "31@example.org"}]
    clock.advance(timedelta(minutes=1))

    plan = applied(db, body, clock)

    assert [(c.action, c.kind, c.key, sorted(c.fields)) for c in plan.changes] == [
        ("update", "person", "p0031", ["contact_methods", "name"])
    ]
    (entry,) = [e for e in audit_entries(db) if e.at == clock.now()]
    assert (entry.action, entry.entity_key) == ("person.update", "p0031")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("Person 31", "Person Thirty")
    assert entry.after["contact_methods"] == [
        {
            "type": "email",
            "address": "31@example.org",
            "label": None,
            "url": None,
            "secret": None,
            "token": None,
        }
    ]
    after = database_state(db)
    for table in ("team", "team_member", "team_role", "service", "service_dependency", "runbook"):
        assert after[table] == before[table]
    assert len(after["contact_method"]) == len(before["contact_method"]) - 1
    with db.read() as session:
        exported = yaml.safe_load(export(session))
    assert exported["people"][31]["name"] == "Person Thirty"
    assert exported["people"][29] == body["people"][29]


def test_changed_teams_and_services_are_stored_as_the_file_now_says(
    db: Database, clock: FakeClock
) -> None:
    body = organisation(people=30, teams=3, services=6)
    applied(db, body, clock)
    team, service = body["teams"][1], body["services"][2]
    team["members"] = list(reversed(team["members"]))
    team["roles"] = {"engineering_lead": {"person": team["members"][0]}}
    del team["tech_lead"]
    service["depends_on"] = ["s005", "s004"]
    service["runbooks"].append({"title": "Slow", "url": "https://example.org/slow"})
    service["team"] = "t000"

    plan = applied(db, body, clock)

    assert [(c.kind, c.key) for c in plan.changes] == [("team", "t001"), ("service", "s002")]
    with db.read() as session:
        exported = yaml.safe_load(export(session))
    assert exported["teams"][1] == team
    assert exported["services"][2]["depends_on"] == ["s005", "s004"]
    assert exported["services"][2]["team"] == "t000"
    assert [r["title"] for r in exported["services"][2]["runbooks"]] == ["Down", "Slow"]
    assert applied(db, body, clock).changes == []


def test_a_service_needing_one_with_mistakes_is_reported_and_nothing_is_stored(
    db: Database, clock: FakeClock
) -> None:
    body = organisation(people=10, teams=1, services=3)
    body["services"][2]["team"] = "nobody"  # s001 depends on s002, s000 on s001
    doc = document.load(yaml.safe_dump(body, sort_keys=False), "org.yaml")
    before = database_state(db)
    with pytest.raises(Invalid) as raised, db.transaction() as session:
        apply(session, doc, prune=False, actor="test", now=clock.now())
    assert [re.sub(r" \(line \d+\)$", "", str(e)) for e in raised.value.errors] == [
        "services[0].depends_on[0]: no service 's001'",
        "services[1].depends_on[0]: no service 's002'",
        "services[2].team: no team 'nobody'",
    ]
    assert database_state(db) == before


def test_a_change_and_a_prune_in_one_apply(db: Database, clock: FakeClock) -> None:
    body = organisation(people=10, teams=2, services=4)
    applied(db, body, clock)
    # s002 no longer needs s003, which goes; s000 and s001 keep their dependencies.
    body["services"][2]["depends_on"] = []
    del body["services"][3]

    plan = applied(db, body, clock, prune=True)

    assert [f"{c.action} {c.kind} {c.key}" for c in plan.changes] == [
        "update service s002",
        "delete service s003",
    ]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 10 + 2 + 4 + 2
        exported = yaml.safe_load(export(session))
    assert [s["name"] for s in exported["services"]] == ["s000", "s001", "s002"]
