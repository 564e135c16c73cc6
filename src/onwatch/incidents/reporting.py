"""A report through a team's public form: the token (for a protected form), the form's rate
limits (per form and per client address, an hour), the reporter's fields, and the incident it
opens on the chosen service (which pages its on-call), with the report as its first note and
the users affected as its impact. In the caller's transaction; nothing is written on refusal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.core.errors import FieldError, Forbidden, Invalid, NotFound, RateLimited
from onwatch.core.naming import EMAIL
from onwatch.core.tokens import hash_secret, same
from onwatch.incidents import actions, declaring
from onwatch.incidents.models import IncidentImpact, ReportForm, ReportSubmission
from onwatch.incidents.report_forms import LOCKED

WINDOW = timedelta(hours=1)
MAX_NAME = 200
MAX_EMAIL = 254
MAX_WHAT = 10_000
MAX_USERS = 32
TITLE_LENGTH = 120
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,12}")
_SHARE = re.compile(r"(\d{1,3}(?:\.\d{1,2})?)\s*%")


@dataclass(frozen=True)
class Report:
    """What a reporter typed, as sent."""

    name: str = ""
    email: str = ""
    service: str = ""
    what: str = ""
    users: str = ""


@dataclass(frozen=True)
class Reported:
    incident_id: int


def actor_of(form: str) -> str:
    return f"report:{form}"


def get_form(session: Session, name: str, *, for_update: bool = False) -> ReportForm:
    stmt = select(ReportForm).where(ReportForm.name == name)
    # One report at a time per form on PostgreSQL, so the rate limit's count is exact.
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    form = session.scalar(stmt)
    if form is None:
        raise NotFound(f"there is no report form {name!r}")
    return form


def check_token(form: ReportForm, token: str | None) -> None:
    """Forbidden unless the form is open or `token` is its token."""
    if form.token_hash is None:
        return
    if form.token_hash == LOCKED:
        raise Forbidden(
            "this form is not taking reports yet: its token could not be read when it was "
            "configured; tell the team that owns it"
        )
    if not token or not same(hash_secret(token), form.token_hash):
        raise Forbidden(
            "this form needs the link its team gave you: the token in it is missing or wrong"
        )


def users_affected(text: str) -> tuple[int | None, float | None]:
    """A count ("120", "1,200") or a share of users ("15%", "2.5 %"); ValueError otherwise."""
    written = text.strip()
    share = _SHARE.fullmatch(written)
    if share:
        value = float(share[1])
        if value > 100:
            raise ValueError("a share is at most 100%")
        return None, value
    if _COUNT.fullmatch(written):
        return int(written.replace(",", "")), None
    raise ValueError("write a number of users (120) or a share of them (15%)")


def title_of(what: str) -> str:
    """The incident's title: the first line of what the reporter sees, cut to a line's length."""
    first = " ".join(what.strip().splitlines()[0].split())
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1].rstrip() + "…"


def check_report(form: ReportForm, report: Report) -> tuple[Report, int | None, float | None]:
    """The report trimmed, with the users affected; Invalid naming every field at fault."""
    errors: list[FieldError] = []
    name = declaring.checked_text(report.name, "name", MAX_NAME, required=True, errors=errors)
    email = declaring.checked_text(report.email, "email", MAX_EMAIL, required=True, errors=errors)
    if email is not None and not EMAIL.match(email):
        errors.append(FieldError("email", "is not an e-mail address"))
    service = report.service.strip()
    if not service:
        errors.append(FieldError("service", "is required: choose the service"))
    elif service not in form.services:
        errors.append(FieldError("service", f"choose one of {', '.join(form.services)}"))
    what = declaring.checked_text(report.what, "what", MAX_WHAT, required=True, errors=errors)
    users = declaring.checked_text(report.users, "users", MAX_USERS, required=True, errors=errors)
    count = share = None
    if users is not None:
        try:
            count, share = users_affected(users)
        except ValueError as error:
            errors.append(FieldError("users", str(error)))
    if errors:
        raise Invalid(errors)
    checked = Report(name or "", email or "", service, what or "", users or "")
    return checked, count, share


def check_rate(session: Session, form: ReportForm, address: str, now: datetime) -> None:
    """RateLimited, with the seconds until a report leaves the window, when the form took
    `per_hour` reports in the last hour, or this address `per_address`."""
    since = now - WINDOW
    recent = select(func.count(ReportSubmission.id), func.min(ReportSubmission.at)).where(
        ReportSubmission.form_id == form.id, ReportSubmission.at > since
    )
    for limit, stmt, whose in (
        (form.per_hour, recent, "this form"),
        (form.per_address, recent.where(ReportSubmission.address == address), "your address"),
    ):
        count, oldest = session.execute(stmt).one()
        if count >= limit:
            wait = max(1, int(((oldest + WINDOW) - now).total_seconds()) + 1)
            raise RateLimited(
                f"{whose} sent {count} reports in the last hour, the most this form takes; "
                f"try again in {max(1, round(wait / 60))} minutes, or call the team",
                retry_after=wait,
            )


def submit(
    session: Session, form_name: str, report: Report, *, token: str | None, address: str,
    now: datetime,
) -> Reported:  # fmt: skip
    """Take a report: NotFound (no such form), Forbidden (token), RateLimited, Invalid
    (fields), in that order; else an incident is open on the chosen service and its on-call
    is being paged. Audited as `incident.report` by `report:<form>`."""
    form = get_form(session, form_name, for_update=True)
    check_token(form, token)
    check_rate(session, form, address, now)
    checked, count, share = check_report(form, report)
    actor = actor_of(form.name)
    title = title_of(checked.what)
    declared = declaring.declare(
        session,
        service=checked.service,
        title=title,
        severity=form.default_severity,
        actor=actor,
        source="report",
        now=now,
        opened_text=f"Reported through the form {form.title or form.name}: {title}",
    )
    incident = declared.incident
    entry = actions.note(
        session,
        incident,
        kind="report",
        text=f"Report from {checked.name} <{checked.email}> ({checked.users} users affected):"
        f"\n{checked.what}",
        actor=actor,
        now=now,
        data={
            "form": form.name,
            "reporter_name": checked.name,
            "reporter_email": checked.email,
            "users_count": count,
            "users_share": share,
        },
    )
    entry.source = "report"
    session.add(
        IncidentImpact(
            incident_id=incident.id,
            users_count=count,
            users_share=share,
            updated_at=now,
            updated_by=actor,
        )
    )
    session.add(
        ReportSubmission(
            form_id=form.id,
            incident_id=incident.id,
            address=address,
            reporter_name=checked.name,
            reporter_email=checked.email,
            at=now,
        )
    )
    session.flush()
    actions.audit(
        session,
        incident,
        "report",
        actor,
        now,
        None,
        {
            "form": form.name,
            "service": checked.service,
            "reporter": f"{checked.name} <{checked.email}>",
            "address": address,
        },
    )
    return Reported(incident.id)
