"""How long a login must wait after failures in a row: a few free attempts, then a delay that
doubles with each failure up to a cap. Per account and, with a higher allowance, per client
address (which also counts unknown API tokens). Pure: auth.logins keeps the counts."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

ACCOUNT = "account"
ADDRESS = "address"
MAX_KEY = 100


@dataclass(frozen=True)
class Limits:
    free: int  # failures in a row that cost nothing
    first_delay: timedelta  # the wait after the first failure past them; doubles after that
    cap: timedelta
    forget_after: timedelta  # a streak with no failure for this long starts again at zero


# An account is reset by its right password; an address is not (whoever holds one account
# could otherwise reset it between guesses at others), so it forgets sooner instead.
LIMITS = {
    ACCOUNT: Limits(5, timedelta(seconds=1), timedelta(minutes=15), timedelta(hours=24)),
    ADDRESS: Limits(20, timedelta(seconds=1), timedelta(minutes=15), timedelta(hours=1)),
}


def delay_after(failures: int, limits: Limits) -> timedelta:
    """The wait after the `failures`-th failure in a row: none within the free ones, then
    first_delay, 2 × first_delay, 4 × … up to the cap. After 15 wrong passwords an account
    waits 512 s; from the 16th on, 15 minutes per attempt."""
    over = failures - limits.free
    if over <= 0:
        return timedelta(0)
    return min(limits.cap, limits.first_delay * 2 ** min(over - 1, 32))


def is_forgotten(last_failed_at: datetime, now: datetime, limits: Limits) -> bool:
    return now - last_failed_at >= limits.forget_after


def is_newly_throttled(failures: int, limits: Limits) -> bool:
    """True for the one failure of a streak that first makes the key wait (audited once)."""
    return failures == limits.free + 1


def retry_after_seconds(until: datetime, now: datetime) -> int:
    """Whole seconds for a Retry-After header, at least 1."""
    return max(1, math.ceil((until - now).total_seconds()))


def address_key(host: str | None) -> str:
    """The key of a client address: an IPv4 address as is, an IPv6 address by its /64 (one
    host is commonly given a whole /64, so counting single IPv6 addresses would count
    nothing), anything else (no address, a Unix socket) as written, cut to fit."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:MAX_KEY]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
