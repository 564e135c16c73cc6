"""SLI rules over a service's metric samples: latency over a threshold, error rate over a share
of requests, circuit breaker open. Decides whether a rule fires, with hysteresis so it does not
flap: it fires once the condition has held for `for`, and clears once it has been clear for
`clear_for` (optionally below a lower `clear_below` threshold)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from onwatch.alerts.events import AlertEvent, Severity
from onwatch.calendars.instants import Instant

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def _duration(value: Any) -> Any:
    # "90s", "5m", "1h30m", "2d" as people write them in YAML; anything else (seconds as a
    # number, ISO-8601 "PT5M", "00:05:00") is left to pydantic's timedelta.
    if isinstance(value, str):
        found = _DURATION.fullmatch(value.strip().replace(" ", ""))
        if found and any(found.groups()):
            days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
            try:
                return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
            except OverflowError:  # pydantic reports ValueError, and lets this one through
                raise ValueError(f"must be at most {LONGEST.days}d") from None
    return value


def _not_too_long(duration: timedelta) -> timedelta:
    if duration > LONGEST:
        raise ValueError(f"must be at most {LONGEST.days}d")
    return duration


# A century: longer than any silence, window or heartbeat, short enough that one added to an
# instant (calendars.instants: before the year 9000) still fits in a datetime.
LONGEST = timedelta(days=36500)
Duration = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_not_too_long)]
# Counts are stored in PostgreSQL's integer.
MAX_COUNT = 2**31 - 1
Percentile = Literal["p50", "p95", "p99"]


class MetricSample(BaseModel):
    """What a service reports for one short interval ending at `at`: requests and errors
    counted in that interval, latency percentiles of the interval in seconds (None when there
    was no traffic), and whether its circuit breaker is open."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: Instant
    requests: int = Field(default=0, ge=0, le=MAX_COUNT)
    errors: int = Field(default=0, ge=0, le=MAX_COUNT)
    p50: float | None = Field(default=None, ge=0)
    p95: float | None = Field(default=None, ge=0)
    p99: float | None = Field(default=None, ge=0)
    breaker_open: bool = False

    @field_validator("at")
    @classmethod
    def _in_utc(cls, at: datetime) -> datetime:
        return at.astimezone(UTC)

    @model_validator(mode="after")
    def _errors_are_requests(self) -> Self:
        if self.errors > self.requests:
            raise ValueError(f"errors ({self.errors}) cannot exceed requests ({self.requests})")
        return self


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1, max_length=100)
    severity: Severity = "critical"
    summary: str = Field(default="", max_length=1024)


class LatencyRule(_Rule):
    """Fires when the `percentile` latency stays above `above` seconds for `for`."""

    kind: Literal["latency"]
    percentile: Percentile = "p95"
    above: float = Field(gt=0)
    clear_below: float | None = Field(default=None, gt=0)
    for_: Duration = Field(default=timedelta(minutes=5), alias="for")
    clear_for: Duration = timedelta(minutes=5)

    @model_validator(mode="after")
    def _clear_below_is_lower(self) -> Self:
        if self.clear_below is not None and self.clear_below > self.above:
            raise ValueError("clear_below must not be above `above`")
        return self


class ErrorRateRule(_Rule):
    """Fires when errors exceed `above_percent` % of requests over the trailing `window`,
    counted only when the window holds at least `min_requests` requests."""

    kind: Literal["error_rate"]
    above_percent: float = Field(gt=0, le=100)
    clear_below_percent: float | None = Field(default=None, ge=0)
    min_requests: int = Field(default=20, ge=1)
    window: Duration = timedelta(minutes=5)
    for_: Duration = Field(default=timedelta(0), alias="for")
    clear_for: Duration = timedelta(minutes=5)

    @model_validator(mode="after")
    def _clear_below_is_lower(self) -> Self:
        if self.clear_below_percent is not None and self.clear_below_percent > self.above_percent:
            raise ValueError("clear_below_percent must not be above above_percent")
        if self.window <= timedelta(0):
            raise ValueError("window must be longer than zero")
        return self


class BreakerRule(_Rule):
    """Fires when the circuit breaker stays open for `for`."""

    kind: Literal["breaker"]
    for_: Duration = Field(default=timedelta(0), alias="for")
    clear_for: Duration = timedelta(minutes=2)


SliRule = Annotated[LatencyRule | ErrorRateRule | BreakerRule, Field(discriminator="kind")]


class SliRulesSpec(BaseModel):
    """A service's `sli_rules:` in the config file; names are unique within the service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[SliRule] = Field(default_factory=list)

    @field_validator("rules")
    @classmethod
    def _names_are_unique(cls, rules: list[SliRule]) -> list[SliRule]:
        names = [rule.name for rule in rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")
        return rules


@dataclass(frozen=True)
class RuleState:
    """`value` is the rule's latest reading (seconds, percent, or 1.0/0.0 for a breaker);
    `changed_at` is when `firing` last flipped."""

    firing: bool
    value: float | None
    reason: str
    changed_at: datetime | None = None


def lookback(rule: SliRule) -> timedelta:
    """How far back evaluate needs samples: enough to see the whole `for`/`clear_for` run and,
    for an error rate, the window before it, with a margin for irregular sampling."""
    held = max(rule.for_, rule.clear_for)
    window = rule.window if isinstance(rule, ErrorRateRule) else timedelta(0)
    return held + window + timedelta(minutes=5)


def evaluate(
    rule: SliRule, samples: Iterable[MetricSample], now: datetime, previous: RuleState | None
) -> RuleState:
    """The rule's state after `samples` (any order; those after `now` are ignored).

    A sample that says nothing about the rule (no latency reported, fewer than `min_requests`
    in the window) neither fires nor clears it, and with no such samples the previous state
    holds: a rule changes state only on evidence. Durations are measured between samples, so
    one good sample inside a bad stretch restarts the `for` count, and one bad sample inside a
    good stretch restarts the `clear_for` count.
    """
    was_firing = previous.firing if previous is not None else False
    changed_at = previous.changed_at if previous is not None else None
    points = _readings(rule, sorted((s for s in samples if s.at <= now), key=lambda s: s.at))
    if not points:
        value = previous.value if previous is not None else None
        return RuleState(was_firing, value, "no samples to judge by; state held", changed_at)
    latest_at, latest = points[-1]
    if not was_firing:
        since = _run_start(points, lambda v: _breaches(rule, v))
        if since is None:
            return RuleState(False, latest, f"{_describe(rule, latest)}: within bound", changed_at)
        held = latest_at - since
        if held >= rule.for_:
            return RuleState(
                True,
                latest,
                f"{_describe(rule, latest)}: {_breach_text(rule)} since {since:%Y-%m-%dT%H:%M:%SZ}",
                now,
            )
        return RuleState(
            False,
            latest,
            f"{_describe(rule, latest)}: {_breach_text(rule)} for "
            f"{_span(held)} of {_span(rule.for_)}",
            changed_at,
        )
    since = _run_start(points, lambda v: _clears(rule, v))
    if since is None:
        return RuleState(True, latest, f"{_describe(rule, latest)}: not yet clear", changed_at)
    held = latest_at - since
    if held >= rule.clear_for:
        return RuleState(
            False, latest, f"{_describe(rule, latest)}: clear since {since:%Y-%m-%dT%H:%M:%SZ}", now
        )
    return RuleState(
        True,
        latest,
        f"{_describe(rule, latest)}: clear for {_span(held)} of {_span(rule.clear_for)}",
        changed_at,
    )


def alert_event_for(
    rule: SliRule, service: str, previous: RuleState | None, state: RuleState, now: datetime
) -> AlertEvent | None:
    """The alert event a state change means (trigger when the rule starts firing, resolve when
    it clears), keyed `sli:<rule name>`; None when nothing changed."""
    was_firing = previous.firing if previous is not None else False
    if state.firing == was_firing:
        return None
    return AlertEvent(
        action="trigger" if state.firing else "resolve",
        dedup_key=f"sli:{rule.name}",
        summary=rule.summary or f"{service}: {rule.name}: {state.reason}",
        severity=rule.severity,
        source=service,
        occurred_at=now,
        labels={"alertname": rule.name, "sli": rule.kind, "service": service},
        details={"value": state.value, "reason": state.reason},
    )


def _readings(rule: SliRule, samples: list[MetricSample]) -> list[tuple[datetime, float]]:
    """Each sample's reading for the rule, in time order; samples without one are left out."""
    if isinstance(rule, BreakerRule):
        return [(s.at, 1.0 if s.breaker_open else 0.0) for s in samples]
    if isinstance(rule, LatencyRule):
        return [(s.at, v) for s in samples if (v := getattr(s, rule.percentile)) is not None]
    readings = []
    start, requests, errors = 0, 0, 0
    for sample in samples:
        requests, errors = requests + sample.requests, errors + sample.errors
        while samples[start].at <= sample.at - rule.window:
            requests -= samples[start].requests
            errors -= samples[start].errors
            start += 1
        if requests >= rule.min_requests:
            readings.append((sample.at, 100.0 * errors / requests))
    return readings


def _run_start(
    points: list[tuple[datetime, float]], holds: Callable[[float], bool]
) -> datetime | None:
    """When the unbroken run of readings for which `holds` is true, ending at the latest
    reading, began; None if the latest reading does not hold."""
    since = None
    for at, value in reversed(points):
        if not holds(value):
            break
        since = at
    return since


def _breaches(rule: SliRule, value: float) -> bool:
    if isinstance(rule, LatencyRule):
        return value > rule.above
    if isinstance(rule, ErrorRateRule):
        return value > rule.above_percent
    return value >= 1.0


def _clears(rule: SliRule, value: float) -> bool:
    if isinstance(rule, LatencyRule):
        return value < rule.clear_below if rule.clear_below is not None else value <= rule.above
    if isinstance(rule, ErrorRateRule):
        if rule.clear_below_percent is not None:
            return value < rule.clear_below_percent
        return value <= rule.above_percent
    return value < 1.0


def _describe(rule: SliRule, value: float) -> str:
    if isinstance(rule, LatencyRule):
        return f"{rule.percentile} latency {value:g} s"
    if isinstance(rule, ErrorRateRule):
        return f"error rate {value:.3g} % over {_span(rule.window)}"
    return "circuit breaker open" if value >= 1.0 else "circuit breaker closed"


def _breach_text(rule: SliRule) -> str:
    if isinstance(rule, LatencyRule):
        return f"above {rule.above:g} s"
    if isinstance(rule, ErrorRateRule):
        return f"above {rule.above_percent:g} %"
    return "open"


def _span(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0 and seconds:
        return f"{seconds // 60}m"
    return f"{seconds}s"
