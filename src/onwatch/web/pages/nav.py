"""The navigation bar as data: each pages module declares its links in `NAV`, and the site
collects them when the app is built, so a new capability adds its page without editing the layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from onwatch.auth.roles import Principal, Role, has_role


@dataclass(frozen=True)
class NavLink:
    """One entry of the bar. `order` places it; leave gaps so later pages slot in between:
    Incidents 10, Alerts 20, Errors 25, Deploys 26, Schedules 30, Silences 40, Maintenance 45,
    Services 50, Teams 60, People 70, admin pages 90+. `role` is the least role that sees the
    link."""

    label: str
    path: str
    order: int
    role: Role = Role.viewer

    def is_current(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


class Nav:
    """The links of one app, built by `create_app`."""

    def __init__(self) -> None:
        self._links: list[NavLink] = []

    def add(self, links: Iterable[NavLink]) -> None:
        for link in links:
            if any(existing.path == link.path for existing in self._links):
                raise ValueError(f"two nav links for {link.path}")
            self._links.append(link)

    def visible_to(self, who: Principal | None) -> list[NavLink]:
        if who is None:
            return []
        links = [link for link in self._links if has_role(who.role, link.role)]
        return sorted(links, key=lambda link: (link.order, link.label))
