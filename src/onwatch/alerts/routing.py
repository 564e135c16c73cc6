"""Which service an alert event belongs to: ordered label rules (matchers → service name), the
first match wins, else the service the integration is bound to. One Alertmanager integration can
so feed many services, as when every error is routed by its `app` label to its team."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onwatch.alerts.matchers import Matcher, matchers_from_specs, matches
from onwatch.core.errors import Invalid


class RouteSpec(BaseModel):
    """One rule in the config file, for example `{match: ['app="reader"'], service: reader}`.

    `match` is a list of matchers (`app=reader`, `env=~"prod|staging"`, or objects, see
    alerts.matchers), all of which must match; a mapping `{app: reader}` means equality on each
    label. An empty `match` matches every event.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: list[str | dict[str, object]] | dict[str, str] = Field(default_factory=list)
    service: str = Field(min_length=1)

    @field_validator("match")
    @classmethod
    def _matchers_are_readable(
        cls, match: list[str | dict[str, object]] | dict[str, str]
    ) -> list[str | dict[str, object]] | dict[str, str]:
        try:
            _matchers(match)
        except Invalid as exc:
            raise ValueError(exc.message) from None
        return match

    def route(self) -> Route:
        return Route(matchers=_matchers(self.match), service=self.service)


class RoutingSpec(BaseModel):
    """The `routes:` of an integration, tried in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    routes: list[RouteSpec] = Field(default_factory=list)

    def compiled(self) -> tuple[Route, ...]:
        return tuple(spec.route() for spec in self.routes)


@dataclass(frozen=True)
class Route:
    matchers: tuple[Matcher, ...]
    service: str


def matching_route(labels: Mapping[str, str], routes: Iterable[Route]) -> Route | None:
    """The first route whose matchers all match `labels`; None when none does."""
    return next((route for route in routes if matches(route.matchers, labels)), None)


def service_for(labels: Mapping[str, str], routes: Iterable[Route], fallback: str) -> str:
    """The service of the first matching route, else `fallback` (the integration's own)."""
    route = matching_route(labels, routes)
    return route.service if route is not None else fallback


def _matchers(match: list[str | dict[str, object]] | dict[str, str]) -> tuple[Matcher, ...]:
    if isinstance(match, dict):
        return tuple(Matcher(name, "=", value) for name, value in match.items())
    return tuple(matchers_from_specs(match, "match"))
