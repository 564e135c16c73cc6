"""Hand-off notices: a message to the incoming and the outgoing person of each hand-off, a lead
time before it ("you are primary for platform from 10:00"). An engine step: each schedule has a
durable job due one lead time before its next hand-off; when it runs, it writes one outbox row
per person of each hand-off within the lead time, keyed by schedule, role, instant and person,
so two engines, or a step run twice, write each notice once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core import jobs
from onwatch.directory.models import Person
from onwatch.notifications.outbox import Outgoing, write
from onwatch.notifications.rules import reaches
from onwatch.schedules import queries
from onwatch.schedules.models import StoredSchedule
from onwatch.schedules.oncall import HandOff, handoffs, next_handoff

NOTICE_JOB = "notifications.handoff_notices"
DEFAULT_LEAD = timedelta(minutes=15)
# A schedule is looked at again at least this often: an edit may have moved its hand-offs.
RECHECK = timedelta(hours=1)


@dataclass(frozen=True)
class HandoffNotices:
    """The engine step; `lead` is how long before a hand-off its notices are due."""

    lead: timedelta = DEFAULT_LEAD

    def __call__(self, session: Session, now: datetime) -> int:
        _watch_schedules(session, now)
        written = 0
        for job in jobs.claim_due(session, [NOTICE_JOB], now):
            try:
                with session.begin_nested():
                    written += self._notices(session, job, now)
            except Exception as error:
                jobs.retry_later(job, now, f"{type(error).__name__}: {error}")
        return written

    def _notices(self, session: Session, job: jobs.Job, now: datetime) -> int:
        name = job.payload["schedule"]
        row = queries.schedule_row(session, name)
        if row is None:
            jobs.finish(session, job)
            return 0
        # Hand-offs already past are not announced (an engine that was down catches up on the
        # ones still to come); those up to `noticed` were handled by an earlier run.
        noticed = datetime.fromisoformat(job.payload["until"])
        horizon = now + self.lead
        schedule = queries.Schedules(session).get(name, since=now)
        found = handoffs(schedule, max(noticed, now), horizon)
        written = write(session, self.outgoing(session, row.id, found, now), now)
        upcoming = next_handoff(schedule, horizon)
        due = upcoming.at - self.lead if upcoming is not None else now + RECHECK
        job.due_at = min(due, now + RECHECK)
        job.payload = {"schedule": name, "until": horizon.isoformat()}
        job.attempts, job.last_error = 0, None
        return written

    def outgoing(
        self, session: Session, schedule_id: int, found: list[HandOff], now: datetime
    ) -> list[Outgoing]:
        """One notice per person of each hand-off, by the first of their low-urgency rules (the
        e-mail fallback without one), due a lead time before it (now, if that has passed)."""
        handles = {h for handoff in found for h in (handoff.incoming, handoff.outgoing) if h}
        people = {
            p.handle: p for p in session.scalars(select(Person).where(Person.handle.in_(handles)))
        }
        rows = []
        for handoff in found:
            sides = (("incoming", handoff.incoming), ("outgoing", handoff.outgoing))
            for direction, handle in sides:
                person = people.get(handle or "")
                if person is None:
                    continue
                reach = reaches(person, "low")[0]
                stamp = int(handoff.at.timestamp())
                rows.append(
                    Outgoing(
                        key=f"handoff:{schedule_id}:{handoff.role}:{stamp}:{person.id}",
                        kind="handoff",
                        urgency="low",
                        due_at=max(now, handoff.at - self.lead),
                        destination=reach.destination,
                        label=f"{person.name} by {reach.label}: {handoff.schedule} "
                        f"{handoff.role} hand-off ({direction})",
                        person_id=person.id,
                        contact_method_id=reach.contact_method_id,
                        payload={
                            "schedule": handoff.schedule,
                            "role": handoff.role,
                            "at": handoff.at.isoformat(),
                            "incoming": handoff.incoming,
                            "outgoing": handoff.outgoing,
                            "direction": direction,
                            **handoff_words(handoff, direction, person.time_zone, people),
                        },
                    )
                )
        return rows


def _watch_schedules(session: Session, now: datetime) -> None:
    """Give each schedule without one a notice job, due now. (Deleted schedules' jobs end when
    they next run.) Two small reads per tick whatever the number of schedules."""
    names = set(session.scalars(select(StoredSchedule.name)))
    watched = set(session.scalars(select(jobs.Job.key).where(jobs.Job.kind == NOTICE_JOB)))
    for name in sorted(names - watched):
        jobs.schedule(
            session, NOTICE_JOB, name, now, now, {"schedule": name, "until": now.isoformat()}
        )


def handoff_words(
    handoff: HandOff, direction: str, time_zone: str, people: Mapping[str, Person]
) -> dict[str, str]:
    """The title and text of a hand-off notice: people by name, the instant in the reader's
    own zone."""
    at = handoff.at.astimezone(ZoneInfo(time_zone)).strftime("%a %Y-%m-%d %H:%M %Z")
    duty = f"{handoff.schedule} {handoff.role}"

    def name(handle: str | None) -> str | None:
        person = people.get(handle or "")
        return person.name if person is not None else handle

    if direction == "incoming":
        return {
            "title": f"You go on call: {duty} at {at}",
            "text": f"{name(handoff.outgoing) or 'Nobody'} hands {duty} over to you at {at}.",
        }
    return {
        "title": f"Your {duty} shift ends at {at}",
        "text": f"You hand {duty} over to {name(handoff.incoming) or 'nobody'} at {at}.",
    }
