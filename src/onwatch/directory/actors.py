"""Who did it, as people read it: the actor strings stored with every change (`user:ann`,
`token:ci`, `cli:root`, `system:demo`, `engine:sli`, `integration`, `link:ann:email`) turned
into a person's name when a login is linked to a directory person (or a signed link names one),
and into a readable phrase otherwise."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.auth.models import User
from onwatch.directory.models import Person

# Actors that are onwatch itself: the engine's steps, the demo loader, the first start.
_ONWATCH = ("system", "engine")
LINK = "link"  # a person acting through a signed link in a message (notifications/links.py)


def link_actor(handle: str, via: str = "") -> str:
    """The actor of a person who acted through a signed link sent by `via` (a contact method
    kind such as email or ntfy, or "" when unknown): `link:ann:email`."""
    return f"{LINK}:{handle}:{via}" if via else f"{LINK}:{handle}"


def link_handle(actor: str) -> str | None:
    """The person's handle of a link actor, else None."""
    kind, colon, rest = actor.partition(":")
    return rest.partition(":")[0] if kind == LINK and colon else None


def _via_link(name: str, actor: str) -> str:
    """ "Ann Archer via email link"."""
    via = actor.split(":", 2)[2] if actor.count(":") >= 2 else ""
    return f"{name} via {via} link" if via else f"{name} via link"


def readable(actor: str) -> str:
    """An actor without a linked person: `user:ann` → "ann", `token:ci` → "token ci",
    `cli:root` → "root (command line)", `system:…` and `engine:…` → "onwatch",
    `integration:grafana` → "integration grafana", `link:ann:email` → "ann via email link";
    anything else as stored."""
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
    if kind == LINK:
        return _via_link(name.partition(":")[0], actor)
    return actor


def display_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """{actor: what to show} for each actor: the person's name for a login linked to a person
    (User.person_handle → Person.name) or a link's person ("Ann Archer via email link"), else
    `readable(actor)`. Two queries at most whatever the count."""
    wanted = set(actors)
    usernames = {a.partition(":")[2] for a in wanted if a.startswith("user:")}
    handles = {h for h in map(link_handle, wanted) if h}
    names: dict[str, str] = {}
    if usernames:
        names = dict(
            session.execute(
                select(User.username, Person.name)
                .join(Person, Person.handle == User.person_handle)
                .where(User.username.in_(usernames))
            ).all()
        )
    people: dict[str, str] = {}
    if handles:
        people = dict(
            session.execute(
                select(Person.handle, Person.name).where(Person.handle.in_(handles))
            ).all()
        )
    shown = {}
    for actor in wanted:
        kind, _, name = actor.partition(":")
        handle = link_handle(actor)
        if kind == "user" and name in names:
            shown[actor] = names[name]
        elif handle in people:
            shown[actor] = _via_link(people[handle], actor)
        else:
            shown[actor] = readable(actor)
    return shown


def person_of(session: Session, actor: str) -> Person | None:
    """The directory person behind an actor: a login linked to a person (`user:ann` with
    User.person_handle) or a signed link's person (`link:ann:email`); None for tokens, the
    command line, onwatch itself, or a login linked to nobody."""
    kind, _, name = actor.partition(":")
    handle = link_handle(actor)
    if kind == "user" and name:
        handle = session.scalar(select(User.person_handle).where(User.username == name))
    if not handle:
        return None
    return session.scalar(select(Person).where(Person.handle == handle))
