"""`onwatch apply -f FILE` on a large organisation (targets on SQLite: 10,000 people, 1,000
teams and 2,000 services apply in under 10 s, and apply again unchanged in under 5 s). Writes a
config file of the size asked for (with calendars, schedules, integrations, alerting policies,
heartbeats and SLI rules in realistic small numbers), then times the whole command, as a
separate process (start-up, YAML parsing, checking, writing, commit), on a fresh database:

    dry run (empty database) · apply · apply again unchanged · dry run of a small change ·
    apply the small change · export

Each step's output is checked (what it reports changing), so a fast wrong answer is not timed.
Each prints its wall time (what the targets are about) and the process's CPU time (user +
system), which a busy shared machine inflates far less.

    .venv/bin/python bench/apply.py [--people 10000 --teams 1000 --services 2000]
                                    [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--keep org.yaml]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

# A scratch PostgreSQL database, or a SQLite file; bench/ is on the path when run as a script.
from intake import database

ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "UTC"]
APPLY_TARGET_S = 10.0
REAPPLY_TARGET_S = 5.0


def organisation(people: int, teams: int, services: int, seed: int = 7) -> dict[str, Any]:
    """A config file's data: everyone in a team, every service owned by a team, services
    depending on earlier ones (no cycles), and the other sections in small numbers."""
    rng = random.Random(seed)
    handles = [f"person-{n:05d}" for n in range(people)]
    body: dict[str, Any] = {"version": 1, "people": [], "teams": [], "services": []}
    for n, handle in enumerate(handles):
        person: dict[str, Any] = {
            "handle": handle,
            "name": f"Person {n} Example",
            "email": f"{handle}@example.org",
            "time_zone": rng.choice(ZONES),
        }
        methods = [{"type": "sms", "address": f"+1555{n:07d}", "label": "work phone"}]
        if n % 3 == 0:
            methods.append({"type": "slack", "address": f"U{n:08d}"})
        person["contact_methods"] = methods
        body["people"].append(person)

    team_names = [f"team-{n:04d}" for n in range(teams)]
    team_members: dict[str, list[str]] = {}
    for n, name in enumerate(team_names):
        # Everyone in one team (people spread evenly), a few also in a second one.
        members = handles[n::teams] + rng.sample(handles, 2)
        members = list(dict.fromkeys(members))
        team_members[name] = members
        team: dict[str, Any] = {
            "name": name,
            "display_name": f"Team {n}",
            "members": members,
            "tech_lead": members[0],
        }
        if n % 2 == 0 and len(members) > 2:
            team["roles"] = {
                "product_owner": {"person": members[1], "backup": members[2]},
                "engineering_lead": {"person": members[0]},
            }
        body["teams"].append(team)

    service_names = [f"service-{n:05d}" for n in range(services)]
    for n, name in enumerate(service_names):
        service: dict[str, Any] = {"name": name, "team": team_names[n % teams]}
        if n % 10 == 9:
            service = {"name": name, "controlled": False, "description": "An upstream API."}
        earlier = service_names[max(0, n - 50) : n]
        if earlier:
            service["depends_on"] = rng.sample(earlier, min(len(earlier), rng.randint(0, 3)))
        if n % 4 == 0:
            service["runbooks"] = [
                {"title": "Service is down", "url": f"https://example.org/runbooks/{name}"},
                {"title": "Slow responses", "url": f"https://example.org/runbooks/{name}/slow"},
            ]
        if n % 7 == 0:
            service["tech_lead"] = team_members[team_names[n % teams]][-1]
        body["services"].append(service)

    controlled = [s["name"] for s in body["services"] if s.get("controlled", True)]
    body["integrations"] = [
        {
            "name": f"monitor-{n:03d}",
            "service": controlled[n * 7 % len(controlled)],
            "type": ["alertmanager", "pagerduty", "grafana", "generic"][n % 4],
        }
        | ({"routes": [{"match": {"app": "x"}, "service": controlled[0]}]} if n % 5 == 0 else {})
        for n in range(max(1, services // 20))
    ]
    calendars = [f"hours-{n}" for n in range(5)]
    body["calendars"] = [
        {
            "name": name,
            "time_zone": ZONES[n],
            "hours": [{"days": "mon-fri", "opens": "08:00", "closes": "18:00"}],
            "holidays": "US",
            "ack_deadlines": {"inside_hours": "15m", "outside_hours": "60m"},
        }
        for n, name in enumerate(calendars)
    ]
    body["schedules"] = []
    for n, name in enumerate(team_names[: max(1, teams // 20)]):
        members = team_members[name][:6]
        schedule: dict[str, Any] = {
            "name": f"{name}-oncall",
            "time_zone": ZONES[n % len(ZONES)],
            "layers": [
                {
                    "name": "weekly pair",
                    "members": members,
                    "shift_length": "1w",
                    "handoff_time": "10:00",
                    "start_date": "2026-01-05",
                    "roles": ["primary", "secondary"],
                }
            ],
        }
        if n % 5 == 0 and len(members) > 1:
            schedule["overrides"] = [
                {
                    "covering": members[1],
                    "covered": members[0],
                    "start_at": "2026-03-09T09:00:00-04:00",
                    "end_at": "2026-03-14T00:00:00-04:00",
                    "reason": "PTO",
                }
            ]
        body["schedules"].append(schedule)
    some = controlled[: max(1, services // 40)]
    body["alerting"] = [
        {"service": name, "grouping": {"mode": "labels", "labels": ["alertname"]}} for name in some
    ]
    body["heartbeats"] = [
        {"name": f"nightly-{name}", "service": name, "interval": "1d", "grace": "30m"}
        for name in some[:20]
    ]
    body["sli_rules"] = [
        {"service": name, "rules": [{"name": "slow", "kind": "latency", "above": 8, "for": "5m"}]}
        for name in some[:20]
    ]
    return body


def small_change(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The file with one person renamed and one service given another runbook: 2 changes."""
    changed = yaml.safe_load(yaml.safe_dump(body))
    middle = len(changed["people"]) // 2
    changed["people"][middle]["name"] += " Jr."
    service = changed["services"][len(changed["services"]) // 2]
    service.setdefault("runbooks", []).append(
        {"title": "Added", "url": "https://example.org/runbooks/added"}
    )
    return changed, 2


def total_items(body: dict[str, Any]) -> int:
    return sum(len(v) for k, v in body.items() if k != "version")


def onwatch(url: str, *args: str) -> tuple[float, float, str]:
    """Run `onwatch ARGS…` as its own process: its wall time and CPU time (user + system) in
    seconds, and its stdout. CPU time leaves out the time the process waited for a core, which
    is what a busy shared machine adds to wall time (and the database server's own work)."""
    env = {**os.environ, "ONWATCH_DATABASE_URL": url}
    began, used = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "onwatch.cli.main", *args], env=env, capture_output=True, text=True
    )
    elapsed, cpu = time.perf_counter() - began, _children_cpu() - used
    if done.returncode != 0:
        sys.exit(f"onwatch {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, cpu, done.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def expect(stdout: str, pattern: str, step: str) -> None:
    last = stdout.splitlines()[-1] if stdout else ""
    if not re.fullmatch(pattern, last):
        sys.exit(f"{step}: expected {pattern!r}, got {last!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=1_000)
    parser.add_argument("--services", type=int, default=2_000)
    parser.add_argument("--postgres", metavar="URL", help="a server to make a scratch database on")
    parser.add_argument("--keep", metavar="FILE", help="also write the config file here")
    args = parser.parse_args()

    body = organisation(args.people, args.teams, args.services)
    changed, change_count = small_change(body)
    items = total_items(body)
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-file-") as scratch:
        org, org_changed = Path(scratch) / "org.yaml", Path(scratch) / "changed.yaml"
        org.write_text(yaml.safe_dump(body, sort_keys=False))
        org_changed.write_text(yaml.safe_dump(changed, sort_keys=False))
        if args.keep:
            Path(args.keep).write_text(org.read_text())
        sizes = ", ".join(f"{len(v)} {k}" for k, v in body.items() if k != "version")
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"{backend}; {sizes}; file {org.stat().st_size / 1e6:.1f} MB; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        with database(args.postgres, Path(scratch)) as url:
            onwatch(url, "migrate")
            steps = [
                ("dry run (empty database)", [str(org), "--dry-run"], rf"would change {items} .*"),
                ("apply", [str(org)], rf"changed {items} objects"),
                ("apply again, unchanged", [str(org)], r"no changes"),
                (
                    "dry run of a small change",
                    [str(org_changed), "--dry-run"],
                    rf"would change {change_count} .*",
                ),
                ("apply a small change", [str(org_changed)], rf"changed {change_count} objects"),
            ]
            for label, arguments, pattern in steps:
                elapsed, cpu, stdout = onwatch(url, "apply", "-f", *arguments)
                expect(stdout, pattern, label)
                target = {"apply": APPLY_TARGET_S, "apply again, unchanged": REAPPLY_TARGET_S}
                verdict = ""
                default_size = (args.people, args.teams, args.services) == (10_000, 1_000, 2_000)
                if label in target and default_size and not args.postgres:
                    met = "met" if elapsed < target[label] else "MISSED"
                    verdict = f"  (target < {target[label]:g} s: {met})"
                print(f"{label:<28} {elapsed:7.2f} s  cpu {cpu:6.2f} s{verdict}")
            elapsed, cpu, stdout = onwatch(url, "export")
            print(
                f"{'export':<28} {elapsed:7.2f} s  cpu {cpu:6.2f} s  ({len(stdout) / 1e6:.1f} MB)"
            )
            elapsed, cpu, _ = onwatch(url, "--help")
            print(f"{'(onwatch --help, start-up)':<28} {elapsed:7.2f} s  cpu {cpu:6.2f} s")


if __name__ == "__main__":
    main()
