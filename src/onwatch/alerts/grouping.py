"""Which open incident of its service an alert joins, decided per service by a grouping mode:
`service` (one open incident per service), `labels` (one per value of a set of label names) or
`time_window` (join an incident opened less than `window` ago, else open a new one)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from onwatch.alerts.sli import Duration

GroupingMode = Literal["service", "labels", "time_window"]
MAX_KEY = 255
SERVICE_KEY = "service"


class GroupingSpec(BaseModel):
    """A service's `grouping:` in the config file, for example
    `{mode: labels, labels: [alertname, env]}` or `{mode: time_window, window: 30m}`.
    A `window` may also limit the `service` and `labels` modes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: GroupingMode = "service"
    labels: list[str] = Field(default_factory=list)
    window: Duration | None = None

    @model_validator(mode="after")
    def _fields_fit_mode(self) -> Self:
        if self.mode == "labels" and not self.labels:
            raise ValueError("mode labels needs `labels`: the label names to group by")
        if self.mode != "labels" and self.labels:
            raise ValueError(f"`labels` applies to mode labels only, not {self.mode}")
        if any(not name for name in self.labels):
            raise ValueError("label names must not be empty")
        if self.mode == "time_window" and self.window is None:
            raise ValueError("mode time_window needs `window`, for example 30m")
        if self.window is not None and self.window <= timedelta(0):
            raise ValueError("window must be longer than zero")
        return self


@dataclass(frozen=True)
class Grouping:
    """`key` names the group within the service. Without a `window` at most one incident of a
    service is open per key, which storage can hold with a unique index. With a window several
    open incidents can share a key (one per window): join the newest, and only if should_join."""

    key: str
    window: timedelta | None = None


def grouping_for(labels: Mapping[str, str], spec: GroupingSpec) -> Grouping:
    """The group an alert with `labels` belongs to. In mode labels a missing label counts as
    empty, so alerts without it share a group; a long key is replaced by its hash."""
    if spec.mode != "labels":
        return Grouping(SERVICE_KEY, spec.window)
    values = [[name, labels.get(name, "")] for name in sorted(set(spec.labels))]
    key = "labels:" + json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    if len(key) > MAX_KEY:
        key = "labels#" + hashlib.sha256(key.encode()).hexdigest()
    return Grouping(key, spec.window)


def should_join(incident_opened_at: datetime, grouping: Grouping, now: datetime) -> bool:
    """Whether an alert grouped as `grouping` joins an open incident of the same key opened at
    `incident_opened_at`; without a window it always does."""
    if grouping.window is None:
        return True
    return now - incident_opened_at < grouping.window
