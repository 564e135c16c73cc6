"""How fast the `onwatch` command answers (targets: `--help` under 0.3 s, `oncall` under 0.6 s on
SQLite): runs the installed console script in fresh processes, as a person types it, against a
migrated SQLite database holding every example config and a few hundred alerts. Prints the
minimum and median wall time of each command, and its minimum CPU time (user + system), which
other work on a busy machine disturbs less.

    .venv/bin/python bench/cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.core.db import Database
from onwatch.directory.queries import get_service

ROOT = Path(__file__).resolve().parents[1]
ONWATCH = str(Path(sys.executable).parent / "onwatch")
TARGETS = {"--help": 0.3, "oncall": 0.6}
COMMANDS = [
    ["--help"],
    ["oncall"],
    ["incidents", "--help"],
    ["schedules", "--help"],
    ["incidents", "list"],
    ["alerts", "list", "--status", "open"],
    ["silences", "list"],
    ["users", "list"],
    ["schedules", "show", "prod-squad"],
    ["calendars", "status", "check-in-business-hours"],
]


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [ONWATCH, *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fill(env: dict[str, str]) -> None:
    """Every example config applied (through the CLI, which also migrates the new file), then
    300 alerts on three services, in incidents."""
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        subprocess.run(
            [ONWATCH, "apply", "-f", str(example)], env=env, check=True, stdout=subprocess.DEVNULL
        )
    db = Database(env["ONWATCH_DATABASE_URL"])
    now = datetime.now(UTC) - timedelta(days=1)
    try:
        for n, name in enumerate(("booking-api", "mobile-app", "relay-api")):
            with db.transaction() as session:
                service_id = get_service(session, name).id
                events = [
                    Routed(
                        service_id,
                        name,
                        AlertEvent("trigger", f"{name}-{i}", summary=f"{name} problem {i}"),
                    )
                    for i in range(100)
                ]
                ingest(session, events, integration_id=None, now=now + timedelta(minutes=n))
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-cli-") as scratch:
        env = {
            **os.environ,
            "ONWATCH_DATA_DIR": scratch,
            "ONWATCH_DATABASE_URL": f"sqlite:///{Path(scratch) / 'onwatch.db'}",
        }
        fill(env)
        print(f"{'command':<50} {'min':>7} {'median':>7} {'cpu':>7}  target")
        for args in COMMANDS:
            run(args, env)  # the first run warms the file cache and writes .pyc files
            walls, cpus = zip(*(run(args, env) for _ in range(runs)), strict=True)
            target = TARGETS.get(" ".join(args))
            print(
                f"{'onwatch ' + ' '.join(args):<50} {min(walls):>6.3f}s "
                f"{statistics.median(walls):>6.3f}s {min(cpus):>6.3f}s"
                + (f"  < {target} s" if target else "")
            )


if __name__ == "__main__":
    main()
