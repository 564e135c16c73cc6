"""The regex attack on silences: `x=~"(a+)+$"` against a label `aaa…a!` that almost matches.
A backtracking engine (Python's `re`, which matchers used before RE2) takes time that triples
with every two more characters; RE2 takes time linear in the label. Prints:

1. one match of the pattern against labels of 27 and 100,000 characters, as onwatch runs it
   (alerts.matchers, RE2), and with Python's `re` on shorter labels for comparison;
2. intake latency of one Alertmanager alert (the full app on a scratch SQLite file) with no
   silence, and with the attack silence in force, for an ordinary alert and for alerts whose
   `x` label is the attack at 27 and 100,000 characters.

    .venv/bin/python bench/redos.py [--requests 200] [--backtracking-up-to 23]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onwatch.alerts.matchers import parse_matcher
from onwatch.auth import actions as auth
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.keys import create_integration
from onwatch.migrations import runner
from onwatch.web.app import create_app
from onwatch.web.context import AppContext

PATTERN = "(a+)+$"
LENGTHS = (27, 100_000)


def attack(length: int) -> str:
    return "a" * (length - 1) + "!"


def seconds_per_call(call: Callable[[], object], *, at_least: float = 0.2) -> float:
    """Mean time of one call, repeated until `at_least` seconds have passed."""
    calls, started = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= at_least:
            return elapsed / calls


def matching(backtracking_up_to: int) -> None:
    print(f'1. one match of x=~"{PATTERN}" against x = "aaa…a!"')
    matcher = parse_matcher(f'x=~"{PATTERN}"')
    for length in LENGTHS:
        labels = {"x": attack(length)}
        took = seconds_per_call(lambda labels=labels: matcher.matches(labels))
        print(f"   RE2 (onwatch)        {length:>7,} chars  {took * 1e6:>12,.1f} µs")
    backtracking = re.compile(f"(?:{PATTERN})")
    took: list[float] = []
    for length in range(backtracking_up_to - 6, backtracking_up_to + 1, 2):
        text = attack(length)
        took.append(seconds_per_call(lambda text=text: backtracking.fullmatch(text), at_least=0))
        print(f"   Python re (before)   {length:>7,} chars  {took[-1] * 1e6:>12,.1f} µs")
    factor = took[-1] / took[-2]
    at_27 = took[-1] * factor ** ((27 - backtracking_up_to) / 2)
    print(
        f"   Python re: x{factor:.1f} per 2 characters more, so 27 characters take ~{at_27:.0f} s"
    )


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1e3:7.2f} ms   p99 {p99 * 1e3:7.2f} ms"


def alert(n: int, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "receiver": "onwatch",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": f"Bench{n}", **labels},
                "annotations": {"summary": "bench"},
                "startsAt": "2026-03-02T13:59:00Z",
                "fingerprint": f"fp-{n}",
            }
        ],
    }


def intake(requests: int) -> None:
    # Starlette warns, on import, that its TestClient will move off httpx one day.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

    print(f"2. intake of one Alertmanager alert ({requests} requests each, in-process app, SQLite)")
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-") as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'onwatch.db'}")
        runner.upgrade(db)
        now = datetime.now(UTC)
        with db.transaction() as session:
            put_service(session, ServiceSpec(name="reader"), actor="bench", now=now)
            key = create_integration(
                session,
                name="am",
                service="reader",
                kind="alertmanager",
                actor="bench",
                now=now,
            ).key
            token = auth.create_token(
                session, name="bench", role="responder", actor="bench", now=now
            ).secret
        ctx = AppContext(db=db, settings=Settings(data_dir=Path(scratch)), clock=SystemClock())
        url = f"/api/v1/intake/alertmanager/{key}"
        sent = 0
        with TestClient(create_app(ctx)) as client:

            def timed(labels: dict[str, str]) -> str:
                nonlocal sent
                samples = []
                for _ in range(requests):
                    sent += 1
                    body = alert(sent, labels)
                    started = time.perf_counter()
                    response = client.post(url, json=body)
                    samples.append(time.perf_counter() - started)
                    assert response.status_code == 202, response.text
                return percentiles(samples)

            cases = [("ordinary alert", {})] + [
                (f"x = attack, {length:,} chars", {"x": attack(length)}) for length in LENGTHS
            ]
            for name, labels in cases:
                print(f"   no silence       {name:<28} {timed(labels)}")
            made = client.post(
                "/api/v1/silences",
                json={"matchers": [f'x=~"{PATTERN}"'], "duration": "1h", "reason": "bench"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert made.status_code == 201, made.text
            for name, labels in cases:
                print(f'   x=~"{PATTERN}"    {name:<28} {timed(labels)}')
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--backtracking-up-to",
        type=int,
        default=23,
        help="longest label Python's re is timed on (each 2 more: about 3 times longer)",
    )
    args = parser.parse_args()
    matching(args.backtracking_up_to)
    intake(args.requests)


if __name__ == "__main__":
    main()
