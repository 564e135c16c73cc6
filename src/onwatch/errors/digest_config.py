"""The config section `error_digests:`: per service, whether its annoying error issues reach its
tech lead daily or weekly (errors/digest.py; when: errors/closing.py). Puts and deletes are
audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.changes import Change, Outcome
from onwatch.core.naming import Slug
from onwatch.directory import per_service
from onwatch.directory.models import Service
from onwatch.errors.models import ErrorDigest

KIND = "error digest"


class ErrorDigestSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(description="The service (declared in `services`) whose issues.")
    every: Literal["daily", "weekly"] = Field(
        description="daily: at each close of business; weekly: at close of business on the "
        "last business day of the week (by the service's calendar; without one at 17:00 in "
        "the tech lead's zone, weekly on Fridays)."
    )


def digest_specs(session: Session) -> list[ErrorDigestSpec]:
    rows = session.execute(
        select(ErrorDigest.every, Service.name)
        .join(Service, Service.id == ErrorDigest.service_id)
        .order_by(Service.name)
    )
    return [ErrorDigestSpec(service=name, every=every) for every, name in rows]  # type: ignore[arg-type]


def put_digests(
    session: Session, specs: list[ErrorDigestSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    return per_service.put_rows(
        session, ErrorDigest, KIND, specs, lambda spec: {"every": spec.every}, actor=actor, now=now
    )


def delete_digest(session: Session, service: str, *, actor: str, now: datetime) -> Change:
    return per_service.delete_row(session, ErrorDigest, KIND, service, actor=actor, now=now)


SUMMARY = (
    "Per service, how often its error issues triaged annoying reach its tech lead in one "
    "digest: daily (the default) or weekly, at close of business by the service's calendar "
    "(holidays and closed dates skipped; see docs/errors.md)."
)
EXAMPLE = """\
error_digests:
  - {service: checkout, every: weekly}
"""

T = TypeVar("T")


def error_digest_sections(section: Callable[..., T]) -> list[T]:
    """This module's config section, made by config's `Section` (config is a layer above)."""
    return [
        section(
            "error_digests", KIND, ErrorDigestSpec, "service", digest_specs, put_digests,
            delete_digest, summary=SUMMARY, example=EXAMPLE,
        )
    ]  # fmt: skip
