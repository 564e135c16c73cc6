"""The three roles. Each includes the ones below it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"
    responder = "responder"
    admin = "admin"


_RANK = {Role.viewer: 0, Role.responder: 1, Role.admin: 2}


def has_role(actual: Role, needed: Role) -> bool:
    return _RANK[actual] >= _RANK[needed]


@dataclass(frozen=True)
class Principal:
    """Whoever makes a request: `actor` is what the audit log records (`user:ann`, `token:ci`)."""

    actor: str
    role: Role
    user_id: int | None = None
    person_handle: str | None = None
