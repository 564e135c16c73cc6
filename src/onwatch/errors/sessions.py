"""Release health from the SDKs' `session` and `sessions` items (not yet kept: counted only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.errors.envelope import Item
from onwatch.errors.keys import KeyGrant


def read_session(item: Item, headers: dict[str, Any], where: str) -> Any:
    return None


def read_aggregates(item: Item, headers: dict[str, Any], where: str) -> Any:
    return None


def keep(session: Session, grant: KeyGrant, value: Any, now: datetime) -> None:
    return None
