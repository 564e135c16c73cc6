"""The declared shape of an integration (config section `integrations:`), and writing it: the
key is made when the integration is created, shown once, and never part of the declaration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onwatch.alerts.models import ALERT, ChangeRecord
from onwatch.alerts.routing import RouteSpec
from onwatch.audit.actions import record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.core.tokens import hash_secret
from onwatch.directory.models import Service
from onwatch.integrations.keys import new_key
from onwatch.integrations.models import KINDS, Integration

Kind = Literal[KINDS]  # type: ignore[valid-type]


class IntegrationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Slug = Field(description="Short unique name, for example `prometheus`.")
    service: Slug = Field(description="The service its events go to when no route matches.")
    type: Kind = Field(description="The wire format, which decides the URL monitors post to.")
    routes: list[RouteSpec] = Field(
        default_factory=list,
        description="Label routes tried in order; the first match sends the event to its "
        "`service` (for example `{match: {app: reader}, service: reader}`).",
    )
    rate_limit: int | None = Field(
        None,
        ge=0,
        description="Events per minute the key may send (per server process); 0 means no "
        "limit. Default 30000 (500 a second, with a burst of a minute's worth).",
    )


@dataclass(frozen=True)
class KeyIssued(Change):
    """The creation of an integration, carrying its new key to show once. The key is in no
    before/after, so it never reaches the audit log."""

    secret: str = ""

    def __str__(self) -> str:
        return f"{super().__str__()}\n    key (shown once): {self.secret}"

    def planned(self) -> str:
        """How a dry run shows it: the key it shows would never work, as nothing is stored."""
        return f"{super().__str__()}\n    key: made and shown when the file is applied"


def integration_spec(integration: Integration, service_of: dict[int, str]) -> IntegrationSpec:
    return IntegrationSpec(
        name=integration.name,
        service=service_of[integration.service_id],
        type=integration.kind,  # type: ignore[arg-type]
        routes=[RouteSpec.model_validate(r) for r in (integration.routes or {}).get("routes", [])],
        rate_limit=integration.rate_limit,
    )


def integration_specs(session: Session) -> list[IntegrationSpec]:
    service_of = dict(session.execute(select(Service.id, Service.name)).all())
    integrations = session.scalars(select(Integration).order_by(Integration.name))
    return [integration_spec(i, service_of) for i in integrations]


def put_integration(
    session: Session, spec: IntegrationSpec, *, actor: str, now: datetime
) -> Change | None:
    """Create or update the integration `spec` declares. Every service it names must exist."""
    wanted = {spec.service, *(route.service for route in spec.routes)}
    ids = dict(
        session.execute(select(Service.name, Service.id).where(Service.name.in_(wanted))).all()
    )
    errors = [] if spec.service in ids else [FieldError("service", f"no service {spec.service!r}")]
    errors += [
        FieldError(f"routes[{i}].service", f"no service {route.service!r}")
        for i, route in enumerate(spec.routes)
        if route.service not in ids
    ]
    if errors:
        raise Invalid(errors)

    integration = session.scalar(select(Integration).where(Integration.name == spec.name))
    before = None
    if integration is not None:
        service_of = {integration.service_id: _service_name(session, integration.service_id)}
        before = integration_spec(integration, service_of).model_dump(mode="json")
    after = spec.model_dump(mode="json")
    change = diff("integration", spec.name, before, after)
    if change is None:
        return None
    key = ""
    if integration is None:
        key = new_key(spec.type)
        integration = Integration(name=spec.name, key_hash=hash_secret(key), created_at=now)
        session.add(integration)
    integration.service_id = ids[spec.service]
    integration.kind = spec.type
    integration.routes = {"routes": after["routes"]} if spec.routes else {}
    integration.rate_limit = spec.rate_limit
    session.flush()
    record_change(session, change, actor=actor, at=now)
    if key:
        return KeyIssued(change.action, change.kind, change.key, None, change.after, secret=key)
    return change


def delete_integration(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    """Delete the integration: its key stops working at once. Alerts it sent are kept."""
    integration = session.scalar(select(Integration).where(Integration.name == name))
    if integration is None:
        raise NotFound(f"no integration {name!r}")
    service_of = {integration.service_id: _service_name(session, integration.service_id)}
    before = integration_spec(integration, service_of).model_dump(mode="json")
    change = deleted("integration", name, before)
    for table in (ALERT, ChangeRecord.__table__):
        kept = table.c.integration_id == integration.id
        session.execute(update(table).where(kept).values(integration_id=None))
    session.delete(integration)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def _service_name(session: Session, service_id: int) -> str:
    return session.get_one(Service, service_id).name
