"""The incident lifecycle (pure): which move takes an incident from which status to which, the
sentence that refuses any other, and the instant a move is recorded at, never before the last."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from onwatch.core.errors import Conflict

Move = Literal["acknowledge", "mitigate", "resolve", "close", "reopen"]
MOVES: tuple[Move, ...] = ("acknowledge", "mitigate", "resolve", "close", "reopen")

# move -> the statuses it starts from. Reopening lands on "acknowledged" or "triggered"
# (target() decides); every other move has one status it brings about.
FROM: dict[Move, tuple[str, ...]] = {
    "acknowledge": ("triggered",),
    "mitigate": ("triggered", "acknowledged"),
    "resolve": ("triggered", "acknowledged", "mitigated"),
    "close": ("resolved",),
    "reopen": ("resolved", "closed"),
}
TO: dict[Move, str] = {
    "acknowledge": "acknowledged",
    "mitigate": "mitigated",
    "resolve": "resolved",
    "close": "closed",
}
# How each move reads in a sentence.
SAID: dict[Move, str] = {
    "acknowledge": "acknowledged",
    "mitigate": "mitigated",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
}


def allowed(status: str) -> tuple[Move, ...]:
    """The moves an incident in `status` may make, in lifecycle order."""
    return tuple(move for move in MOVES if status in FROM[move])


def is_allowed(status: str, move: Move) -> bool:
    return status in FROM[move]


def is_done(status: str, move: Move) -> bool:
    """The move has nothing left to do: the incident already is where it would take it (an
    acknowledgement of a mitigated incident included: it was acknowledged on the way)."""
    if move == "acknowledge":
        return status in ("acknowledged", "mitigated")
    return move != "reopen" and status == TO[move]


def target(
    status: str, move: Move, *, ever_acknowledged: bool, incident_id: int | None = None
) -> str:
    """Where the move takes an incident in `status`; Conflict, with a sentence naming the moves
    that are allowed, when it may not make it. A reopened incident is acknowledged if it ever
    was (whoever reopens it is on it), else triggered (it escalates again)."""
    if not is_allowed(status, move):
        raise Conflict(refusal(status, move, incident_id))
    if move == "reopen":
        return "acknowledged" if ever_acknowledged else "triggered"
    return TO[move]


def refusal(status: str, move: Move, incident_id: int | None = None) -> str:
    """Why `move` is refused for an incident in `status`, and what it may do instead."""
    what = f"incident {incident_id}" if incident_id is not None else "the incident"
    can = allowed(status)
    instead = (
        f"it can be {_words([SAID[m] for m in can])}" if can else "nothing more can happen to it"
    )
    starts = _words(list(FROM[move]), "or")
    return f"{what} is {status}, so it cannot be {SAID[move]} (only a {starts} one can); {instead}"


def _words(items: list[str], last: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def instant(now: datetime, earlier: Iterable[datetime | None]) -> datetime:
    """The instant a move is recorded at: `now`, or the latest earlier instant of the incident
    if `now` is before it. Clamped rather than refused: several processes read their own
    clocks, and a few milliseconds of skew between two of them must not refuse a person's
    acknowledgement; what matters is that opened ≤ acknowledged ≤ mitigated ≤ resolved ≤
    closed holds, so the numbers are never negative and the timeline reads in order."""
    latest = max((at for at in earlier if at is not None), default=now)
    return max(now, latest)
