"""The `report_forms:` section: a protected form keeps only its token's SHA-256 (read from the
reference at apply) and exports the reference; a rotated token is an update that shows neither
value; a token apply cannot read locks the form, with a warning; unknown teams and services
and short tokens are refused naming the field; prune deletes a form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onwatch.config import document
from onwatch.config.apply import Plan, apply, export
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.core.tokens import hash_secret
from onwatch.incidents.models import ReportForm
from onwatch.incidents.report_forms import LOCKED

TOKEN = "p4rtner-Intake-9f2c1d7be43a"
BASE = """\
version: 1
people:
  - {handle: ann, name: Ann Archer, email: ann@example.org}
teams:
  - {name: ops, members: [ann]}
services:
  - {name: api}
  - {name: queue}
"""
FORM = """\
report_forms:
  - name: partners
    team: ops
    title: Report an incident
    token: env:PARTNER_FORM_TOKEN
    services: [api, queue]
    default_severity: sev2
    per_hour: 10
    per_address: 3
"""


def _apply(db: Database, clock: FakeClock, text: str, prune: bool = False) -> Plan:
    doc = document.load(text, "test")
    assert doc.errors == []
    with db.transaction() as session:
        return apply(session, doc, prune=prune, actor="test", now=clock.now())


def _form(db: Database) -> ReportForm:
    with db.read() as session:
        form = session.scalars(select(ReportForm)).one()
        session.expunge(form)
        return form


def test_a_protected_form_stores_the_tokens_hash_and_exports_its_reference(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNER_FORM_TOKEN", TOKEN)
    plan = _apply(db, clock, BASE + FORM)
    assert "+ report form partners" in [str(c) for c in plan.changes]
    form = _form(db)
    assert (form.token_hash, form.token_ref) == (hash_secret(TOKEN), "env:PARTNER_FORM_TOKEN")
    assert (form.services, form.default_severity, form.per_hour, form.per_address) == (
        ["api", "queue"], "sev2", 10, 3,
    )  # fmt: skip
    with db.read() as session:
        exported = export(session)
    assert TOKEN not in exported
    assert "token: env:PARTNER_FORM_TOKEN" in exported
    assert _apply(db, clock, exported, prune=True).changes == []


def test_a_rotated_token_is_an_update_that_shows_neither_value(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNER_FORM_TOKEN", TOKEN)
    _apply(db, clock, BASE + FORM)
    monkeypatch.setenv("PARTNER_FORM_TOKEN", TOKEN + "-rotated")
    [change] = _apply(db, clock, BASE + FORM).changes
    assert TOKEN not in str(change)
    assert change.fields == {"token": ("(a token)", "(another token)")}
    assert _form(db).token_hash == hash_secret(TOKEN + "-rotated")


def test_a_token_apply_cannot_read_locks_the_form_with_a_warning(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARTNER_FORM_TOKEN", raising=False)
    plan = _apply(db, clock, BASE + FORM)
    assert _form(db).token_hash == LOCKED
    assert any("report form partners: token: env:PARTNER_FORM_TOKEN" in w for w in plan.warnings)


def test_an_open_form_has_no_token(db: Database, clock: FakeClock) -> None:
    _apply(db, clock, BASE + FORM.replace("    token: env:PARTNER_FORM_TOKEN\n", ""))
    assert (_form(db).token_hash, _form(db).token_ref) == (None, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("team: ops", "team: nobody"), "report_forms[0].team"),
        (("[api, queue]", "[api, nowhere]"), "report_forms[0].services[1]"),
        (("env:PARTNER_FORM_TOKEN", "plain-secret-in-the-file"), "report_forms[0].token"),
        (("default_severity: sev2", "default_severity: high"), "report_forms[0].default_severity"),
    ],
)
def test_bad_forms_are_refused_naming_the_field(
    db: Database, clock: FakeClock, change: tuple[str, str], field: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("PARTNER_FORM_TOKEN", TOKEN)
    text = BASE + FORM.replace(*change)
    doc = document.load(text, "test")
    problems = [e.field for e in doc.errors]
    if not problems:
        with pytest.raises(Invalid) as refused, db.transaction() as session:
            apply(session, doc, prune=False, actor="test", now=clock.now())
        problems = [e.field for e in refused.value.errors]
    assert any(p.startswith(field) for p in problems), problems


def test_a_short_token_is_refused(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNER_FORM_TOKEN", "short")
    with pytest.raises(Invalid) as refused:
        _apply(db, clock, BASE + FORM)
    [error] = refused.value.errors
    assert error.field.startswith("report_forms[0].token")
    assert "short" not in error.message.replace("env:PARTNER_FORM_TOKEN", "")


def test_prune_deletes_a_form_no_longer_in_the_file(db: Database, clock: FakeClock) -> None:
    _apply(db, clock, BASE + FORM)
    plan = _apply(db, clock, BASE, prune=True)
    assert "- report form partners" in [str(c) for c in plan.changes]
    with db.read() as session:
        assert session.scalars(select(ReportForm)).all() == []
