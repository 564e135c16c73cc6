"""Builds the engine with every step and job handler the installed capabilities provide."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from onwatch.channels import registry
from onwatch.channels.base import Sender
from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.core.signing import signing_key
from onwatch.deploys.actions import Watch
from onwatch.engine.delivery import Delivery
from onwatch.engine.heartbeat import LatenessCheck, SelfHeartbeat
from onwatch.engine.loop import Engine
from onwatch.engine.release_health import evaluate_release_health
from onwatch.engine.steps import Step, default_steps
from onwatch.errors.digest import AnnoyingDigest
from onwatch.errors.morning import MorningReviews
from onwatch.errors.tickets import ErrorTickets
from onwatch.incidents import requirement, role_reminders
from onwatch.incidents.escalating import fire_due, late_count, next_due
from onwatch.notifications import deliveries
from onwatch.notifications.handoffs import DEFAULT_LEAD, HandoffNotices
from onwatch.notifications.links import LinkMaker
from onwatch.postmortems import reminders
from onwatch.schedules.actions import record_due_handoffs
from onwatch.stakeholders import reminders as stakeholder_reminders
from onwatch.tickets import actions as tickets
from onwatch.tickets.incidents import IncidentTickets


def link_maker(settings: Settings) -> LinkMaker:
    return LinkMaker(
        settings.resolved_base_url(),
        signing_key(settings),
        timedelta(hours=settings.link_lifetime_hours),
    )


def build_delivery(
    db: Database, settings: Settings, senders: Mapping[str, Sender] | None = None
) -> Delivery:
    """The delivery step, with a sender per channel kind made from the settings."""
    if senders is None:
        senders = registry.senders(settings, registry.http_client())
    return Delivery.from_settings(
        db, settings, senders, link_maker(settings), {tickets.KIND: tickets.settle}
    )


def lateness_checks(settings: Settings) -> list[LatenessCheck]:
    """What the self-heartbeat asks before it pings: each capability with deadlines adds its
    check here."""
    grace = timedelta(seconds=settings.delivery_late_seconds)
    return [
        lambda session, now: deliveries.overdue(session, now, grace),
        late_escalations,
    ]


def late_escalations(session: Session, now: datetime) -> list[str]:
    late = late_count(session, now)
    return [f"{late} escalation step(s) due and not fired"] if late else []


def self_heartbeat(db: Database, settings: Settings) -> SelfHeartbeat:
    return SelfHeartbeat(
        db,
        settings.heartbeat_url,
        timedelta(seconds=settings.heartbeat_interval_seconds),
        lateness_checks(settings),
        registry.http_client(),
    )


def incident_steps() -> list[Step]:
    """What incident response keeps an eye on: roles left unclaimed, stakeholder updates due,
    overdue action items, open incidents lasting past their post-mortem threshold."""
    return [
        Step("role_reminders", role_reminders.remind_unclaimed, next_due=role_reminders.next_due),
        Step(
            "stakeholder_reminders",
            stakeholder_reminders.remind,
            next_due=stakeholder_reminders.next_due,
        ),
        Step("action_items", reminders.remind_overdue, next_due=reminders.next_due),
        Step("postmortem_rules", requirement.check_open, next_due=requirement.next_due),
    ]


def deploy_steps(settings: Settings | None) -> list[Step]:
    """The watch after each deploy: its release's new, regressed and rising errors told to its
    deployer (the issue's link needs onwatch's address, so the settings when there are some)."""
    if settings is None:
        return [Step("deploy_watch", Watch())]
    window = timedelta(minutes=settings.deploys_watch_minutes)
    return [Step("deploy_watch", Watch(window, settings.resolved_base_url()))]


def build_engine(
    db: Database,
    clock: Clock,
    settings: Settings | None = None,
    *,
    senders: Mapping[str, Sender] | None = None,
    handoff_notice: timedelta | None = DEFAULT_LEAD,
) -> Engine:
    """Every step. With `settings` (as `onwatch engine` and `serve` pass), the engine also
    delivers the outbox; `senders` replaces the senders made from them. `handoff_notice`: how
    long before a hand-off its people are told (None: never)."""
    # Hand-offs are recorded first in each tick, so later steps can tell people about them.
    # Escalations fire after hand-offs, so a step due at a hand-off pages the incoming person.
    steps = [Step("handoffs", record_due_handoffs)]
    if handoff_notice:
        steps.append(Step("handoff_notices", HandoffNotices(handoff_notice)))
    steps += [
        Step("escalations", fire_due, next_due=next_due),
        *incident_steps(),
        *deploy_steps(settings),
        Step("error_reviews", MorningReviews(settings.resolved_base_url() if settings else "")),
        Step("release_health", evaluate_release_health),
        *default_steps(),
    ]
    if settings is not None:
        # Tickets need onwatch's address for the incident's link; written just before
        # delivery, so an issue is opened in the tick that saw its incident.
        steps.append(Step("tickets", IncidentTickets(settings.resolved_base_url())))
        comment_every = timedelta(minutes=settings.errors_ticket_comment_minutes)
        steps.append(
            Step("error_tickets", ErrorTickets(settings.resolved_base_url(), comment_every))
        )
        steps.append(Step("error_digest", AnnoyingDigest(settings.resolved_base_url())))
        delivery = build_delivery(db, settings, senders)
        # Last: what the steps before it wrote in this tick goes out in this tick.
        steps.append(Step("delivery", delivery, own_transactions=True, next_due=delivery.next_due))
        if settings.heartbeat_url:
            beat = self_heartbeat(db, settings)
            steps.append(Step("heartbeat", beat, own_transactions=True, next_due=beat.next_due))
    return Engine(db, clock, steps)
