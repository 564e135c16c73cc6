"""Bad escalation config is refused with every problem named by its place in the file, and
nothing is written: an unknown schedule, role, person, team role or channel, a negative delay,
and a service naming a policy or calendar that does not exist."""

from __future__ import annotations

import pytest

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.escalation.policies import policy_specs
from onwatch.notifications.channels import delete_channel
from tests.integration.escalation.helpers import ORG, load


def refused(db: Database, clock: FakeClock, text: str) -> list[str]:
    doc = document.load(text, "org")
    if doc.errors:
        return [str(e) for e in doc.errors]
    with pytest.raises(Invalid) as raised, db.transaction() as session:
        apply(session, doc, prune=False, actor="test", now=clock.now())
    return [str(e) for e in raised.value.errors]


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("{schedule: pair, role: primary}", "{schedule: pear, role: primary}",
         "escalation_policies[0].steps[0].targets[0].schedule: no schedule 'pear'"),
        ("{schedule: pair, role: primary}", "{schedule: pair, role: tertiary}",
         "escalation_policies[0].steps[0].targets[0].role: schedule pair has no role 'tertiary' "
         "(it has primary, secondary)"),
        ("{team: ops, role: commander}", "{team: ops, role: scribe}",
         "escalation_policies[1].steps[1].targets[0].role: team ops has no role 'scribe' (it "
         "has tech_lead, commander)"),
        ("{person: dee}", "{person: eve}",
         "escalation_policies[3].steps[0].targets[0].person: no person 'eve'"),
        ("{channel: ops-mail}", "{channel: ops-slack}",
         "escalation_policies[0].steps[2].targets[1].channel: no channel 'ops-slack'"),
        ("{name: api, escalation_policy: main, calendar: biz}",
         "{name: api, escalation_policy: mane, calendar: biz}",
         "services[0].escalation_policy: no escalation policy 'mane'"),
        ("{name: api, escalation_policy: main, calendar: biz}",
         "{name: api, escalation_policy: main, calendar: bizz}",
         "services[0].calendar: no calendar 'bizz'"),
        ("delay: ack_deadline", "delay: -15m",
         "escalation_policies[0].steps[0].delay: a delay cannot be negative (got '-15m')"),
    ],
)  # fmt: skip
def test_a_bad_reference_or_delay_is_refused_naming_its_field_and_nothing_is_written(
    db: Database, clock: FakeClock, before: str, after: str, problem: str
) -> None:
    assert before in ORG
    found = refused(db, clock, ORG.replace(before, after, 1))
    assert any(problem in line for line in found), found
    with db.read() as session:
        assert policy_specs(session) == []


def test_the_file_applies_again_with_no_change_and_exports_its_policies(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    doc = document.load(ORG, "org")
    with db.transaction() as session:
        assert apply(session, doc, prune=True, actor="test", now=clock.now()).changes == []
    with db.read() as session:
        assert [p.name for p in policy_specs(session)] == ["gap-first", "main", "once", "turns"]


def test_a_channel_a_policy_names_cannot_be_deleted(db: Database, clock: FakeClock) -> None:
    load(db, clock)
    with pytest.raises(Invalid) as raised, db.transaction() as session:
        delete_channel(session, "ops-mail", actor="test", now=clock.now())
    assert "still in use (an escalation policy's target)" in str(raised.value)


def test_apply_warns_about_an_ack_deadline_without_a_calendar_and_an_unused_policy(
    db: Database, clock: FakeClock
) -> None:
    text = ORG.replace("  - {name: unpaged}\n", "  - {name: unpaged, escalation_policy: main}\n")
    text = text.replace(
        "escalation_policies:\n",
        "escalation_policies:\n"
        "  - name: spare\n"
        "    steps: [{targets: [{person: ann}], delay: 5m}]\n",
    )
    with db.transaction() as session:
        plan = apply(session, document.load(text), prune=False, actor="test", now=clock.now())
    assert [w for w in plan.warnings if "escalation" in w or "ack_deadline" in w] == [
        "service unpaged: policy main waits for ack_deadline but the service has no calendar "
        "with ack_deadlines (set `calendar:` on the service); 30 minutes apply",
        "escalation policy spare: no service uses it",
    ]
