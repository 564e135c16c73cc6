"""Subscriber lists: adding and removing an address at run time (API, UI), unsubscribing one
through its signed link, and the config section `stakeholders:` that declares each team's lists
and settings. Every change is audited, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record, record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.core.naming import Email
from onwatch.directory.models import Service, Team
from onwatch.stakeholders.models import StakeholderSettings, Subscriber
from onwatch.stakeholders.policy import StakeholdersSpec

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


def _address(value: str) -> str:
    try:
        return _EMAIL.validate_python(value.strip()).lower()
    except ValidationError:
        raise Invalid(f"not an e-mail address: {value!r}", "address") from None


def _list_ids(
    session: Session, team: str | None, service: str | None
) -> tuple[int | None, int | None]:
    if bool(team) == bool(service):
        raise Invalid("name a team or a service (one of them)", "team")
    if team:
        found = session.scalar(select(Team.id).where(Team.name == team))
        if found is None:
            raise NotFound(f"no team {team!r}")
        return found, None
    found = session.scalar(select(Service.id).where(Service.name == service))
    if found is None:
        raise NotFound(f"no service {service!r}")
    return None, found


def _audit(session: Session, action: str, row: Subscriber, actor: str, now: datetime,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:  # fmt: skip
    record(
        session, actor=actor, action=f"subscriber.{action}", entity_type="subscriber",
        entity_key=str(row.id), at=now, before=before, after=after,
    )  # fmt: skip


def _shown(row: Subscriber) -> dict[str, Any]:
    return {
        "team_id": row.team_id, "service_id": row.service_id, "address": row.address,
        "source": row.source,
        "unsubscribed_at": row.unsubscribed_at.isoformat() if row.unsubscribed_at else None,
    }  # fmt: skip


def subscribe(
    session: Session,
    *,
    address: str,
    team: str | None = None,
    service: str | None = None,
    actor: str,
    now: datetime,
) -> Subscriber:
    """Put the address on the team's or the service's list (again, if it had unsubscribed)."""
    written = _address(address)
    team_id, service_id = _list_ids(session, team, service)
    row = session.scalar(
        select(Subscriber).where(
            Subscriber.address == written,
            Subscriber.team_id == team_id if team_id else Subscriber.service_id == service_id,
        )
    )
    if row is not None:
        if row.unsubscribed_at is not None:
            before = _shown(row)
            row.unsubscribed_at = None
            session.flush()
            _audit(session, "resubscribe", row, actor, now, before, _shown(row))
        return row
    row = Subscriber(
        team_id=team_id, service_id=service_id, address=written, source="api",
        added_at=now, added_by=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _audit(session, "create", row, actor, now, None, _shown(row))
    return row


def remove(session: Session, subscriber_id: int, *, actor: str, now: datetime) -> None:
    row = session.get(Subscriber, subscriber_id)
    if row is None:
        raise NotFound(f"no subscriber {subscriber_id}")
    if row.source == "config":
        raise Conflict(
            f"{row.address} is on this list by the config file (`stakeholders:`): remove it "
            "there, or the address unsubscribes itself by its link"
        )
    _audit(session, "delete", row, actor, now, _shown(row), None)
    session.delete(row)
    session.flush()


def is_subscribed(session: Session, address: str) -> bool:
    return (
        session.scalar(
            select(Subscriber.id)
            .where(Subscriber.address == address.lower(), Subscriber.unsubscribed_at.is_(None))
            .limit(1)
        )
        is not None
    )


def unsubscribe(session: Session, address: str, *, now: datetime, source: str = "link") -> int:
    """Take the address off every list it is on (one-click unsubscribe); how many."""
    rows = list(
        session.scalars(
            select(Subscriber).where(
                Subscriber.address == address.lower(), Subscriber.unsubscribed_at.is_(None)
            )
        )
    )
    for row in rows:
        before = _shown(row)
        row.unsubscribed_at = now
        _audit(session, "unsubscribe", row, f"{source}:{address.lower()}", now, before, _shown(row))
    session.flush()
    return len(rows)


# The config section.


def stakeholder_specs(session: Session) -> list[StakeholdersSpec]:
    rows = session.execute(
        select(StakeholderSettings.spec, Team.name)
        .join(Team, Team.id == StakeholderSettings.team_id)
        .order_by(Team.name)
    )
    return [StakeholdersSpec.model_validate({**spec, "team": name}) for spec, name in rows]


def put_stakeholders(
    session: Session, spec: StakeholdersSpec, *, actor: str, now: datetime
) -> Change | None:
    """Store the team's settings and make its declared lists match the file: addresses the file
    no longer lists go (those added at run time stay), new ones come; an address that
    unsubscribed stays unsubscribed."""
    team_id = session.scalar(select(Team.id).where(Team.name == spec.team))
    if team_id is None:
        raise Invalid(f"no team {spec.team!r}: declare it under `teams`", "team")
    services: dict[int, list[str]] = {}
    for name, addresses in spec.services.items():
        found = session.scalar(select(Service.id).where(Service.name == name))
        if found is None:
            raise Invalid(f"no service {name!r}: declare it under `services`", f"services.{name}")
        services[found] = addresses
    row = session.get(StakeholderSettings, team_id)
    before = row.spec if row else None
    after = spec.model_dump(mode="json", exclude={"team"})
    change = diff("stakeholders", spec.team, before, after)
    if change is None:
        return None
    if row is None:
        row = StakeholderSettings(team_id=team_id, spec=after, updated_at=now)
        session.add(row)
    row.spec, row.updated_at = after, now
    _sync(session, Subscriber.team_id, team_id, spec.subscribers, actor, now, team=True)
    previous = StakeholdersSpec.model_validate({**before, "team": spec.team}) if before else None
    for name in previous.services if previous else {}:
        if name not in spec.services:
            gone = session.scalar(select(Service.id).where(Service.name == name))
            if gone is not None:
                _sync(session, Subscriber.service_id, gone, [], actor, now, team=False)
    for service_id, addresses in services.items():
        _sync(session, Subscriber.service_id, service_id, addresses, actor, now, team=False)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _sync(session: Session, column: Any, list_id: int, addresses: list[str], actor: str,
          now: datetime, *, team: bool) -> None:  # fmt: skip
    rows = {r.address: r for r in session.scalars(select(Subscriber).where(column == list_id))}
    wanted = set(addresses)
    for address, row in rows.items():
        if row.source == "config" and address not in wanted:
            session.delete(row)
        elif row.source != "config" and address in wanted:
            row.source = "config"
    for address in addresses:
        if address not in rows:
            session.add(
                Subscriber(
                    team_id=list_id if team else None, service_id=None if team else list_id,
                    address=address, source="config", added_at=now, added_by=actor,
                )
            )  # fmt: skip


def delete_stakeholders(session: Session, team: str, *, actor: str, now: datetime) -> Change:
    row = session.scalar(
        select(StakeholderSettings)
        .join(Team, Team.id == StakeholderSettings.team_id)
        .where(Team.name == team)
    )
    if row is None:
        raise NotFound(f"no stakeholder settings for team {team!r}")
    spec = StakeholdersSpec.model_validate({**row.spec, "team": team})
    change = deleted("stakeholders", team, row.spec)
    session.execute(
        delete(Subscriber).where(Subscriber.team_id == row.team_id, Subscriber.source == "config")
    )
    for name in spec.services:
        found = session.scalar(select(Service.id).where(Service.name == name))
        if found is not None:
            session.execute(
                delete(Subscriber).where(
                    Subscriber.service_id == found, Subscriber.source == "config"
                )
            )
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change
