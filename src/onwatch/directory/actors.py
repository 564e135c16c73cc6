"""Who did it, as people read it: the actor strings stored with every change (`user:ann`,
`token:ci`, `cli:root`, `system:demo`, `engine:sli`, `integration`) turned into a person's name
when a login is linked to a directory person, and into a readable phrase otherwise."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.auth.models import User
from onwatch.directory.models import Person

# Actors that are onwatch itself: the engine's steps, the demo loader, the first start.
_ONWATCH = ("system", "engine")


def readable(actor: str) -> str:
    """An actor without a linked person: `user:ann` → "ann", `token:ci` → "token ci",
    `cli:root` → "root (command line)", `system:…` and `engine:…` → "onwatch",
    `integration:grafana` → "integration grafana"; anything else as stored."""
    kind, colon, name = actor.partition(":")
    if not colon:
        return actor
    if kind in _ONWATCH:
        return "onwatch"
    if kind == "user":
        return name
    if kind == "cli":
        return f"{name} (command line)"
    if kind in ("token", "integration"):
        return f"{kind} {name}"
    return actor


def display_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """{actor: what to show} for each actor: the person's name for a login linked to a person
    (User.person_handle → Person.name), else `readable(actor)`. One query whatever the count."""
    wanted = set(actors)
    usernames = {a.partition(":")[2] for a in wanted if a.startswith("user:")}
    names: dict[str, str] = {}
    if usernames:
        names = dict(
            session.execute(
                select(User.username, Person.name)
                .join(Person, Person.handle == User.person_handle)
                .where(User.username.in_(usernames))
            ).all()
        )
    shown = {}
    for actor in wanted:
        kind, _, name = actor.partition(":")
        shown[actor] = names[name] if kind == "user" and name in names else readable(actor)
    return shown
