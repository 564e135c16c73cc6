"""What a responder asks of an upstream outage, as the API, the pages and the CLI take it:
checked field by field (pydantic), so each problem names its field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from onwatch.alerts.sli import Duration
from onwatch.calendars.instants import Instant
from onwatch.upstream import evidence


class UpstreamAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str | None = Field(
        None,
        max_length=64,
        description="The upstream service: one the incident's service depends on (directly or "
        "not) that we do not control. Default: the incident's own, when we do not control it.",
    )
    url: str | None = Field(
        None, max_length=2000, description="The upstream report or support ticket (http/https)."
    )


class MaintenanceAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ends_at: Instant | None = Field(None, description="When it ends (or give duration).")
    duration: Duration | None = Field(None, description="How long from now: 30m, 2h, 1d.")
    message: str = Field(
        min_length=1, max_length=2000, description="What users are told, as a client app shows it."
    )


class EvidenceAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Instant | None = Field(None, description="Default: the incident's first alert.")
    until: Instant | None = Field(None, description="Default: now.")
    samples: int = Field(evidence.DEFAULT_SAMPLES, ge=evidence.MIN_SAMPLES, le=evidence.MAX_SAMPLES)
