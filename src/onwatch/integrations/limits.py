"""How many events each integration key may send: a token bucket per key, held in the process,
that refills at the key's rate per minute and holds at most one minute's worth (the burst)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

# PagerDuty allows 120 events a minute per key; a self-hosted onwatch takes far more by default,
# so an Alertmanager storm is stored rather than refused. Set `rate_limit` per integration.
DEFAULT_PER_MINUTE = 30000


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class RateLimits:
    """Per-key buckets. `admit` is thread-safe; each server process keeps its own buckets, so
    with N processes behind a balancer a key may send up to N times its rate."""

    def __init__(self, default_per_minute: int = DEFAULT_PER_MINUTE) -> None:
        self.default_per_minute = default_per_minute
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, key_id: int, events: int, per_minute: int | None, now: datetime) -> bool:
        """Take `events` tokens from the bucket of `key_id` if it has them all. A request is
        taken whole or refused whole, so a batch is never half stored."""
        rate = self.default_per_minute if per_minute is None else per_minute
        if rate <= 0:  # 0 means unlimited
            return True
        capacity = float(rate)
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(capacity, now)
            elapsed = max((now - bucket.at).total_seconds(), 0.0)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate / 60.0)
            bucket.at = max(bucket.at, now)
            # A batch larger than the whole bucket would never fit: admit it against a full one.
            needed = min(float(events), capacity)
            if bucket.tokens < needed:
                return False
            bucket.tokens -= needed
            return True
