"""Recording a deploy, and the engine's watch after each: findings written on the deploy, the
deployer told once per finding (an outbox notice keyed by deploy, kind and issue), the deploy
marked watched with a summary when its window ends. In the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.core.errors import FieldError, Invalid
from onwatch.deploys import config, queries
from onwatch.deploys.models import SOURCES, Deploy, DeployFinding
from onwatch.deploys.watch import DEFAULT_WINDOW, Found, findings, is_over, window_end
from onwatch.directory.models import Person
from onwatch.directory.queries import get_service
from onwatch.notifications.outbox import Outgoing, write
from onwatch.notifications.rules import reaches

WORDS = {"new": "New error", "regressed": "Regressed error", "rate": "Error rate rose"}


@dataclass(frozen=True)
class DeploySpec:
    service: str
    release: str
    deployed_at: datetime
    source: str
    environment: str | None = None
    deployer: str | None = None
    watch_minutes: int | None = None


def record(session: Session, spec: DeploySpec, now: datetime) -> Deploy:
    """The deploy, stored; Invalid naming each bad field, NotFound for an unknown service."""
    problems = []
    if not spec.release.strip() or len(spec.release) > 200:
        problems.append(FieldError("release", "must be 1 to 200 characters"))
    if spec.environment is not None and len(spec.environment) > 64:
        problems.append(FieldError("environment", "must be at most 64 characters"))
    if spec.deployer is not None and len(spec.deployer) > 320:
        problems.append(FieldError("deployer", "must be at most 320 characters"))
    if spec.deployed_at.tzinfo is None:
        problems.append(FieldError("at", "must have a time zone"))
    if spec.watch_minutes is not None and not 1 <= spec.watch_minutes <= 7 * 24 * 60:
        problems.append(FieldError("watch_minutes", "must be 1 to 10080"))
    if spec.source not in SOURCES:
        problems.append(FieldError("source", f"must be one of {', '.join(SOURCES)}"))
    if problems:
        raise Invalid(problems)
    service = get_service(session, spec.service)
    deployer = (spec.deployer or "").strip() or None
    deploy = Deploy(
        service_id=service.id,
        release=spec.release.strip(),
        environment=spec.environment,
        deployer=deployer,
        deployer_id=_person_id(session, deployer),
        deployed_at=spec.deployed_at,
        recorded_at=now,
        source=spec.source,
        watch_minutes=spec.watch_minutes,
    )
    session.add(deploy)
    session.flush()
    return deploy


RELEASE_KEYS = ("release", "version", "revision", "commit")
DEPLOYER_KEYS = ("deployer", "deployed_by", "user", "author", "actor")
ENVIRONMENT_KEYS = ("environment", "env")


def from_change(
    session: Session, service: str, details: dict[str, Any], deployed_at: datetime, now: datetime
) -> Deploy | None:
    """The deploy a PagerDuty change event announces: recorded when its custom_details name a
    release (or version); None when they do not. Over-long values are cut, not refused: the
    change event itself is valid and stored either way."""
    release = _first_text(details, RELEASE_KEYS)
    if release is None:
        return None
    environment = _first_text(details, ENVIRONMENT_KEYS)
    spec = DeploySpec(
        service=service,
        release=release[:200],
        deployed_at=deployed_at,
        source="pagerduty",
        environment=environment[:64] if environment else None,
        deployer=(_first_text(details, DEPLOYER_KEYS) or "")[:320] or None,
    )
    return record(session, spec, now)


def _first_text(details: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = details.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _person_id(session: Session, deployer: str | None) -> int | None:
    if not deployer:
        return None
    return session.scalar(
        select(Person.id)
        .where(or_(Person.handle == deployer, func.lower(Person.email) == deployer.lower()))
        .order_by(Person.id)
        .limit(1)
    )


@dataclass
class Watch:
    """The engine step: every deploy not yet watched, its findings so far recorded and told;
    those whose window has ended marked watched. `window`: the default length of a watch (a
    service may set its own, a deploy too);
    `base_url`: onwatch's address, for the issue's link in a notice."""

    window: timedelta = DEFAULT_WINDOW
    base_url: str = ""

    def __call__(self, session: Session, now: datetime) -> int:
        done = 0
        for deploy in queries.unwatched(session):
            if deploy.deployed_at > now:
                continue
            window = self.window_of(session, deploy)
            until = min(now, window_end(deploy.deployed_at, window))
            activity = queries.activity(session, deploy, until)
            found = findings(deploy.deployed_at, window, activity, now)
            done += self.record_findings(session, deploy, found, now)
            if is_over(deploy.deployed_at, window, now):
                deploy.watched_at = now
                deploy.summary = _summary(session, deploy.id, sum(a.in_window for a in activity))
                done += 1
        return done

    def window_of(self, session: Session, deploy: Deploy) -> timedelta:
        """The deploy's own window, else its service's (`deploy_watches:`), else the default."""
        if deploy.watch_minutes:
            return timedelta(minutes=deploy.watch_minutes)
        return config.window_of(session, deploy.service_id) or self.window

    def record_findings(
        self, session: Session, deploy: Deploy, found: list[Found], now: datetime
    ) -> int:
        added = 0
        for f in found:
            values = {
                "deploy_id": deploy.id, "kind": f.kind, "issue_id": f.issue_id, "found_at": now,
                "title": f.title[:300], "count": f.count, "detail": f.detail,
            }  # fmt: skip
            if not _insert_once(session, values):
                continue
            added += 1
            write(session, self.notices(session, deploy, f, now), now)
        return added

    def notices(self, session: Session, deploy: Deploy, f: Found, now: datetime) -> list[Outgoing]:
        """The deployer's notice of a finding: their first low-urgency rule (their e-mail
        without one), or the address given when the deployer is an e-mail and no person."""
        person = session.get(Person, deploy.deployer_id) if deploy.deployer_id else None
        if person is not None:
            reach = reaches(person, "low")[0]
            destination, label = reach.destination, f"{person.name} by {reach.label}"
            method = reach.contact_method_id
        elif deploy.deployer and "@" in deploy.deployer:
            destination, label, method = {"kind": "email", "address": deploy.deployer}, "", None
        else:
            return []
        service = queries.deploy(session, deploy.id)[1]
        link = f"{self.base_url.rstrip('/')}/errors/{f.issue_id}"
        title = f"{WORDS[f.kind]} after your deploy of {service} {deploy.release}: {f.title}"
        lines = [
            title,
            "",
            f"Events in the release since the deploy: {f.count}",
            f"Issue: {link}",
            f"Deploy: {self.base_url.rstrip('/')}/deploys/{deploy.id}",
        ]
        if f.kind == "rate":
            lines.insert(3, f"Per minute: {f.detail['per_minute']} (hour before: "
                         f"{f.detail['per_minute_before']})")  # fmt: skip
        return [
            Outgoing(
                key=f"deploy:{deploy.id}:{f.kind}:issue:{f.issue_id}",
                kind="notice",
                urgency="low",
                due_at=now,
                destination=destination,
                label=f"{label or deploy.deployer}: {title}"[:200],
                person_id=person.id if person else None,
                contact_method_id=method,
                payload={"title": title, "text": "\n".join(lines), "link": link},
            )
        ]


def _insert_once(session: Session, values: dict[str, object]) -> bool:
    """Inserts the finding unless the deploy already has it (the unique key); whether it did."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(DeployFinding).values(**values).on_conflict_do_nothing()
    return bool(session.execute(statement).rowcount)


def _summary(session: Session, deploy_id: int, events: int) -> dict[str, int]:
    kinds = [f.kind for f in queries.findings_of(session, deploy_id)]
    return {k: kinds.count(k) for k in ("new", "regressed", "rate")} | {"events": events}
