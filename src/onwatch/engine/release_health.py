"""Release health rules as an engine step: each service's rules judged against the releases that
had sessions in the last day (errors/health/rates.py decides), and what changed sent through alert
intake as any monitor would: a trigger when a rule starts firing for a release and environment, a
resolve when its rate recovers or the rule goes away. Also forgets finished sessions' state."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.directory.models import Service
from onwatch.errors.health import queries as health_queries
from onwatch.errors.health.rates import Counts, Verdict, counts_in_window, dedup_key, verdict
from onwatch.errors.health.rules import HealthRuleSpec, all_rules
from onwatch.errors.models import ErrorHealthFiring, ErrorHealthRule

ACTOR = "engine:release_health"
# Releases with sessions this recently are judged; an older one's counts hardly move, and an
# alert it has open stays until its rate recovers or someone resolves it.
ACTIVE = timedelta(hours=24)

FiringKey = tuple[int, str, str, str]  # service id, rule, release, environment


def evaluate_release_health(session: Session, now: datetime) -> int:
    """Engine step: how many alerts it triggered or resolved (forgotten sessions aside)."""
    sent = 0
    services = all_rules(session, lock=True)
    firing = _firing(session, [service_id for service_id, _, _ in services])
    for service_id, service, specs in services:
        for health in health_queries.release_health(session, service_id, since=now - ACTIVE):
            for spec in specs:
                found = _judged(session, service_id, spec, health)
                if found is None:
                    continue
                key = (service_id, spec.name, health.release, health.environment)
                row = firing.pop(key, None)
                if found.firing and row is None:
                    session.add(
                        ErrorHealthFiring(
                            service_id=service_id,
                            rule=spec.name,
                            release=health.release,
                            environment=health.environment,
                            fired_at=now,
                            rate=found.rate,
                        )
                    )
                    _send(session, service_id, service, _trigger(spec, service, health, found, now))
                    sent += 1
                elif row is not None and not found.firing:
                    session.delete(row)
                    _send(session, service_id, service, _resolve(key, found.reason, now))
                    sent += 1
        # A firing rule judged no more (its release went quiet) keeps its alert as it is.
        names = {spec.name for spec in specs}
        for key in [k for k in firing if k[0] == service_id and k[1] in names]:
            del firing[key]
    # What is left belongs to rules that went away.
    names = dict(session.execute(select(Service.id, Service.name)).all()) if firing else {}
    for key, row in firing.items():
        session.delete(row)
        _send(session, key[0], names[key[0]], _resolve(key, "rule removed", now))
        sent += 1
    health_queries.forget_sessions(session, now)
    session.flush()
    return sent


def _firing(session: Session, service_ids: list[int]) -> dict[FiringKey, ErrorHealthFiring]:
    """The firing rows this engine judges: of the services whose rules it holds, and of those
    with no rules left (another engine's services are left to it)."""
    with_rules = select(ErrorHealthRule.service_id)
    rows = session.scalars(
        select(ErrorHealthFiring).where(
            or_(
                ErrorHealthFiring.service_id.in_(service_ids),
                ErrorHealthFiring.service_id.not_in(with_rules),
            )
        )
    )
    return {(r.service_id, r.rule, r.release, r.environment): r for r in rows}


def _judged(
    session: Session, service_id: int, spec: HealthRuleSpec, health: health_queries.ReleaseHealth
) -> Verdict | None:
    rule = spec.rule()
    if rule.environment is not None and rule.environment != health.environment:
        return None
    counts = health.counts
    if rule.window is not None:
        end = health.first_hour_at + rule.window
        hours = health_queries.hours_of(session, service_id, health.release, health.environment)
        sessions = counts_in_window(hours, health.first_hour_at, rule.window)
        users, crashed = health_queries.users_before(
            session, service_id, health.release, health.environment, end
        )
        counts = sessions + Counts(users=users, crashed_users=crashed)
    return verdict(rule, health.environment, counts)


def _trigger(
    spec: HealthRuleSpec,
    service: str,
    health: health_queries.ReleaseHealth,
    found: Verdict,
    now: datetime,
) -> AlertEvent:
    where = f"{health.release} ({health.environment})"
    return AlertEvent(
        action="trigger",
        dedup_key=dedup_key(spec.name, health.release, health.environment),
        summary=spec.summary or f"{service}: release {where}: {found.reason}",
        severity=spec.severity,
        source=service,
        occurred_at=now,
        labels={
            "alertname": spec.name,
            "service": service,
            "release": health.release,
            "environment": health.environment,
            "metric": spec.metric,
        },
        details={"rate": found.rate, "sessions": found.sessions, "reason": found.reason},
    )


def _resolve(key: FiringKey, reason: str, now: datetime) -> AlertEvent:
    return AlertEvent(
        action="resolve",
        dedup_key=dedup_key(key[1], key[2], key[3]),
        summary=f"release {key[2]} ({key[3]}): {reason}",
        occurred_at=now,
    )


def _send(session: Session, service_id: int, service: str, event: AlertEvent) -> None:
    assert event.occurred_at is not None  # both kinds above set it to now
    routed = [Routed(service_id, service, event)]
    ingest(session, routed, integration_id=None, now=event.occurred_at, actor=ACTOR)
