from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

KINDS = ("pagerduty", "alertmanager", "grafana", "datadog", "generic", "heartbeat", "metrics")


class Integration(Base):
    """A secret key bound to one service and one wire format. Only its hash is stored."""

    __tablename__ = "integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # When intake last accepted events with this key, to the minute (keys.SEEN_EVERY): shown
    # to admins so they can tell whether a monitor reaches onwatch at all.
    last_event_at: Mapped[datetime | None]
    # Label routes, tried in order: {"routes": [RouteSpec dumps]} (alerts.routing). Targets are
    # service names, checked when the config is applied.
    routes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Events per minute this key may send (a token bucket per process); None: the default.
    rate_limit: Mapped[int | None]
