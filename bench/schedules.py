"""Benchmark of schedule queries: who is on call on a schedule with 3 layers and 50 overrides over
5 years (target < 1 ms a query) and a year of resolved shifts (target < 50 ms). Prints its numbers.

    .venv/bin/python bench/schedules.py [--queries N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onwatch.calendars.hours import Calendar, HolidaySet, Window
from onwatch.schedules.ical import schedule_feed
from onwatch.schedules.layers import Layer
from onwatch.schedules.oncall import (
    Schedule,
    handoffs,
    next_handoff,
    resolved_shifts,
    who_is_on_call,
)
from onwatch.schedules.overrides import Override
from onwatch.schedules.rotation import MemberChange, Rotation

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
START_AT = datetime(2026, 1, 1, tzinfo=UTC)
END_AT = datetime(2031, 1, 1, tzinfo=UTC)
DAYS_90 = timedelta(days=90)
PEOPLE = [f"person{n:02d}" for n in range(12)]


def bench_schedule(rng: random.Random) -> Schedule:
    business_hours = Calendar(
        (Window(frozenset(range(5)), time(9), time(17), NEW_YORK),), HolidaySet("US")
    )
    weekends = Calendar((Window(frozenset({5, 6}), time(0), time(0), LONDON),))
    sprints = Rotation(
        tuple(PEOPLE[:6]),
        timedelta(weeks=2),
        date(2026, 1, 7),
        time(9),
        NEW_YORK,
        (
            MemberChange(datetime(2027, 3, 3, 15, tzinfo=UTC), PEOPLE[6], "add"),
            MemberChange(datetime(2028, 6, 1, 12, tzinfo=UTC), PEOPLE[1], "remove"),
        ),
    )
    days = Rotation(tuple(PEOPLE[6:10]), timedelta(days=1), date(2026, 1, 5), time(9), NEW_YORK)
    halves = Rotation(tuple(PEOPLE[8:12]), timedelta(hours=12), date(2026, 1, 3), time(8), LONDON)
    layers = (
        Layer(sprints, ("primary", "secondary"), name="sprint rotation"),
        Layer(days, ("primary",), business_hours, name="day desk"),
        Layer(halves, ("primary", "secondary"), weekends, name="weekend cover"),
    )
    overrides = []
    span = (END_AT - START_AT).total_seconds()
    for number in range(50):
        start_at = START_AT + timedelta(seconds=rng.uniform(0, span))
        covered = rng.choice([None, *PEOPLE])
        overrides.append(
            Override(
                covering=rng.choice([p for p in PEOPLE if p != covered]),
                start_at=start_at,
                end_at=start_at + timedelta(hours=rng.uniform(1, 24 * 10)),
                covered=covered,
                role=rng.choice(["primary", "secondary"]) if covered is None else None,
                reason="PTO",
                created_at=START_AT + timedelta(seconds=number),
            )
        )
    return Schedule("bench", layers, tuple(overrides))


def timed(call: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall time and CPU time of each of `repeat` calls, in milliseconds. CPU time leaves out the
    time the process waited for a core, which is what a busy shared machine adds to wall time."""
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = clock.perf_counter_ns(), clock.thread_time_ns()
        call()
        wall.append((clock.perf_counter_ns() - began) / 1e6)
        cpu.append((clock.thread_time_ns() - began_cpu) / 1e6)
    return wall, cpu


def report(label: str, times: tuple[list[float], list[float]], target_ms: float | None = None):
    for kind, values in zip(("wall", "cpu"), times, strict=True):
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        verdict = ""
        if target_ms is not None:
            verdict = f"  < {target_ms:g} ms: {'met' if p99 < target_ms else 'MISSED'} (p99)"
        print(
            f"{label if kind == 'wall' else '':<40} {kind:<4} n={len(values):>5}  "
            f"mean={statistics.fmean(values):8.4f}  p50={ordered[len(ordered) // 2]:8.4f}  "
            f"p99={p99:8.4f}  max={ordered[-1]:8.4f} ms{verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    schedule = bench_schedule(rng)
    span = (END_AT - START_AT).total_seconds()
    instants = [START_AT + timedelta(seconds=rng.uniform(0, span)) for _ in range(args.queries)]
    roles = ["primary", "secondary"]
    print(
        f"schedule: {len(schedule.layers)} layers, {len(schedule.overrides)} overrides, "
        f"{START_AT.date()} to {END_AT.date()}; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )

    for at in instants[:200]:  # warm the holiday and window caches as a running server would
        who_is_on_call(schedule, "primary", at)
    queries = iter(instants)
    report(
        "who_is_on_call (random instant, 5 years)",
        timed(lambda: who_is_on_call(schedule, rng.choice(roles), next(queries)), args.queries),
        1.0,
    )

    year_starts = [START_AT + timedelta(days=rng.uniform(0, 365 * 4)) for _ in range(60)]
    starts = iter(year_starts)

    def one_year() -> list:
        begin_at = next(starts)
        return resolved_shifts(schedule, "primary", begin_at, begin_at + timedelta(days=365))

    report("resolved_shifts (primary, one year)", timed(one_year, len(year_starts)), 50.0)
    count = len(resolved_shifts(schedule, "primary", START_AT, START_AT + timedelta(days=365)))
    print(f"{'':<40} ({count} primary shifts in the first year)")

    starts = iter(year_starts)
    report(
        "handoffs (all roles, one year)",
        timed(lambda: handoffs(schedule, (b := next(starts)), b + timedelta(days=365)), 60),
    )
    queries = iter(instants)
    report("next_handoff (any role)", timed(lambda: next_handoff(schedule, next(queries)), 2000))
    report(
        "schedule_feed (iCal, 90 days)",
        timed(lambda: schedule_feed(schedule, START_AT, START_AT + DAYS_90, START_AT), 10),
    )


if __name__ == "__main__":
    main()
