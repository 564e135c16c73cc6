"""Reading login accounts. Never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.auth.models import User


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
