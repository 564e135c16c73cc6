"""The waits of the login throttle and the keys of client addresses (pure)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from onwatch.auth.throttle import (
    ACCOUNT,
    ADDRESS,
    LIMITS,
    address_key,
    delay_after,
    is_newly_throttled,
    retry_after_seconds,
)


def test_an_account_has_five_free_failures_then_waits_that_double_up_to_15_minutes() -> None:
    waits = [delay_after(n, LIMITS[ACCOUNT]).total_seconds() for n in range(1, 19)]
    assert waits == [0] * 5 + [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert delay_after(10_000, LIMITS[ACCOUNT]) == timedelta(minutes=15)


def test_an_address_has_more_free_failures_than_an_account() -> None:
    assert delay_after(20, LIMITS[ADDRESS]) == timedelta(0)
    assert delay_after(21, LIMITS[ADDRESS]) == timedelta(seconds=1)
    assert [n for n in range(1, 40) if is_newly_throttled(n, LIMITS[ADDRESS])] == [21]


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("testclient", "testclient"),
        ("x" * 300, "x" * 100),
        (None, "unknown"),
    ],
)
def test_an_ipv6_address_counts_by_its_64_and_anything_else_as_written(
    host: str | None, key: str
) -> None:
    assert address_key(host) == key


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one() -> None:
    now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert retry_after_seconds(now + timedelta(seconds=511.2), now) == 512
    assert retry_after_seconds(now, now) == 1


def test_importing_the_password_module_hashes_nothing() -> None:
    # The dummy hash (for unknown usernames) used to be made on import: about a third of a
    # second added to every CLI command.
    probe = (
        "import argon2\n"
        "made = []\n"
        "real = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda *a, **k: made.append(1) or real(*a, **k)\n"
        "import onwatch.auth.passwords, onwatch.cli.main\n"
        "assert made == [], made\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
