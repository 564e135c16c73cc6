"""When a tech lead's digest of annoying errors is due: from 17:00 in their own time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from onwatch.errors.digest import digest_day, digest_key

CHICAGO = ZoneInfo("America/Chicago")


def test_the_digest_is_due_from_the_end_of_the_local_day() -> None:
    assert digest_day(datetime(2026, 3, 10, 16, 59, tzinfo=CHICAGO)) is None
    assert digest_day(datetime(2026, 3, 10, 17, 0, tzinfo=CHICAGO)) == date(2026, 3, 10)
    assert digest_day(datetime(2026, 3, 10, 23, 59, tzinfo=CHICAGO)) == date(2026, 3, 10)
    assert digest_day(datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO), time(8, 0)) == date(2026, 3, 10)


def test_one_key_per_person_and_day() -> None:
    assert digest_key(7, date(2026, 3, 10)) == "error-digest:7:2026-03-10"
