"""The tech lead's digest of annoying errors (seed 003: "batch up all such errors, and tell the
relevant tech leads at the end of the day or week"). An engine step: at close of business by each
service's calendar (errors/closing.py; without one from DIGEST_AT in the lead's own zone), daily
or weekly as the service's `error_digests:` entry says (daily by default), the issues triaged
annoying since their last digest go out as one notice per lead, calendar and cadence (an outbox
row, e-mail or whatever their low-urgency rules say); each issue is in one digest. Issues triaged
after a day's digest wait for the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.calendars import queries as calendars
from onwatch.directory.models import Person, Service
from onwatch.errors.closing import DIGEST_AT, digest_day, due_day
from onwatch.errors.models import ErrorDigest, ErrorIssue
from onwatch.errors.paths import issue_path
from onwatch.incidents import notices
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import write

KIND = "notice"
__all__ = ["DIGEST_AT", "AnnoyingDigest", "digest_day", "digest_key"]


def digest_key(person_id: int, day: date, batch: str = "") -> str:
    """One digest per lead and day, and per calendar and cadence when they have several."""
    return f"error-digest:{person_id}:{day.isoformat()}" + (f":{batch}" if batch else "")


@dataclass(frozen=True)
class AnnoyingDigest:
    base_url: str

    def __call__(self, session: Session, now: datetime) -> int:
        rows = session.execute(
            select(ErrorIssue, Service)
            .join(Service, Service.id == ErrorIssue.service_id)
            .where(ErrorIssue.impact == "annoying", ErrorIssue.digested_at.is_(None))
            .order_by(ErrorIssue.id)
        ).all()
        every = dict(session.execute(select(ErrorDigest.service_id, ErrorDigest.every)).all())
        known = calendars.calendars(session, {s.calendar for _, s in rows if s.calendar})
        batches: dict[tuple[int, str, str], list[tuple[ErrorIssue, Service]]] = {}
        for issue, service in rows:
            lead = notices.tech_lead(session, service)
            if lead is not None:  # a service with no tech lead has nobody to tell
                name = service.calendar if service.calendar in known else ""
                cadence = every.get(service.id, "daily")
                batches.setdefault((lead.id, name, cadence), []).append((issue, service))
        written = 0
        for (person_id, name, cadence), found in batches.items():
            person = session.get_one(Person, person_id)
            zone = ZoneInfo(person.time_zone)
            day = due_day(known.get(name), cadence, now, zone)
            batch = "" if (name, cadence) == ("", "daily") else f"{name or 'local'}:{cadence}"
            key = digest_key(person.id, day, batch) if day else ""
            if day is None or self._sent(session, key):
                continue
            words = notices.Words(
                title=f"Annoying errors to look at: {len(found)}",
                text=self._text(person, found),
            )
            written += write(
                session,
                notices.to_person(
                    person, incident_id=None, kind=KIND, urgency="low",
                    key=key, words=words, now=now,
                ),
                now,
            )  # fmt: skip
            for issue, _ in found:
                issue.digested_at = now
        return written

    def _sent(self, session: Session, key: str) -> bool:
        return (
            session.scalar(
                select(Notification.id).where(Notification.idempotency_key.startswith(key)).limit(1)
            )
            is not None
        )

    def _text(self, person: Person, found: list[tuple[ErrorIssue, Service]]) -> str:
        lines = [
            f"{person.name}, these errors of your apps were triaged annoying: they bother "
            "users but corrupt no data and stop no work. Fix them, or silence them if they are "
            "not worth fixing.",
            "",
        ]
        for issue, service in found:
            lines.append(
                f"- [{service.name}] {issue.title}: {issue.event_count} event(s), "
                f"{issue.user_count} user(s), last seen {issue.last_seen_at:%Y-%m-%d %H:%M} "
                f"UTC — {self.base_url.rstrip('/')}{issue_path(issue.id)}"
            )
        return "\n".join(lines)
