"""What every list command shares, as docs/cli.md promises: a header row and columns two spaces
apart; --json as one document `{"items": [...]}` with snake_case keys and instants in ISO 8601
with their offset; times printed with their zone."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.directory.queries import get_service
from tests.adapters.cli.conftest import Onwatch

ORG = """\
people:
  - {handle: ann, name: Ann, email: ann@example.org}
  - {handle: bob, name: Bob, email: bob@example.org}
services:
  - {name: reader}
  - {name: vet-records, controlled: false}
calendars:
  - name: business-hours
    time_zone: America/New_York
    hours: [{days: mon-fri, opens: "07:00", closes: "20:00"}]
    ack_deadlines: {inside_hours: 15m, outside_hours: 60m}
schedules:
  - name: platform
    time_zone: America/New_York
    layers:
      - {members: [ann, bob], shift_length: 1w, start_date: 2026-01-05, roles: [primary]}
    overrides:
      - {covering: bob, covered: ann, start_at: 2035-03-05T09:00:00-05:00,
         end_at: 2035-03-06T09:00:00-05:00, reason: PTO}
integrations:
  - {name: prometheus, service: reader, type: alertmanager}
channels:
  - {name: ops-mail, type: email, to: [ops@example.org]}
"""

# Every list command, with the header its table starts with.
LISTS = {
    ("alerts", "list"): "ID  LAST SEEN  SERVICE  STATUS  SEVERITY  COUNT  SUMMARY",
    ("incidents", "list"): "ID  OPENED  SERVICE  STATUS  SEVERITY  PRIORITY  ALERTS  TITLE",
    ("silences", "list"): "ID  STATE  STARTS  ENDS  HOLDING  MATCHERS  REASON",
    ("maintenance", "list"): "ID  STATE  SERVICE  STARTS  ENDS  HOLDING  MESSAGE",
    ("heartbeats", "list"): "NAME  SERVICE  STATE  EVERY  GRACE  LAST PING  LATE AFTER",
    ("tokens", "list"): "NAME  ROLE  STATE  CREATED  BY  LAST USED",
    ("integrations", "list"): "NAME  TYPE  SERVICE  ROUTES",
    ("users", "list"): "USERNAME  ROLE  PERSON  STATE  CREATED",
    ("schedules", "list"): "SCHEDULE  TIME ZONE  ROLES  LAYERS",
    ("overrides", "list", "platform"): "ID  COVERING  FOR  FROM  TO  BY  REASON",
    ("calendars", "list"): "CALENDAR  TIME ZONE  HOURS  HOLIDAYS  ACK DEADLINE",
    ("channels", "list"): "NAME  TYPE  SENDS TO  SECRET  RATE LIMIT",
    ("audit",): "AT  ACTOR  ACTION  ENTITY",
    ("oncall",): "SCHEDULE  ROLE  ON CALL  UNTIL",
}
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture
def everything(onwatch: Onwatch, db: Database, tmp_path: Path) -> None:
    """One of each thing a list command shows: an `error` alert of reader held by maintenance,
    and a critical one of vet-records in an incident."""
    path = tmp_path / "org.yaml"
    path.write_text(ORG)
    for args, stdin in [
        (("apply", "-f", str(path)), None),
        (("users", "create", "ann", "--admin", "--password-stdin"), "correct-horse-1\n"),
        (("tokens", "create", "--name", "ci", "--role", "viewer"), None),
        (("silences", "add", "app=x", "--for", "1h", "--reason", "noisy"), None),
        (("maintenance", "add", "--service", "reader", "--for", "1h", "--message", "m"), None),
        (("heartbeats", "add", "nightly", "--service", "reader", "--interval", "1d"), None),
    ]:
        result = onwatch(*args, input=stdin)
        assert result.exit_code == 0, result.output
    send(db, "reader", AlertEvent("trigger", "disk", summary="disk full", severity="error"))
    send(db, "vet-records", AlertEvent("trigger", "cpu", summary="cpu hot", severity="critical"))


def send(db: Database, service: str, event: AlertEvent) -> None:
    with db.transaction() as session:
        routed = Routed(get_service(session, service).id, service, event)
        ingest(session, [routed], integration_id=None, now=SystemClock().now())


def columns(line: str) -> list[str]:
    return re.split(r" {2,}", line.strip())


@pytest.mark.parametrize("command", list(LISTS), ids=" ".join)
def test_a_list_starts_with_its_header_row(
    onwatch: Onwatch, everything: None, command: tuple[str, ...]
) -> None:
    result = onwatch(*command)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert columns(header) == LISTS[command].split("  ")
    assert rows, result.stdout


def test_columns_are_separated_where_a_held_alert_met_its_severity(
    onwatch: Onwatch, everything: None
) -> None:
    [row] = onwatch("alerts", "list", "--service", "reader").stdout.splitlines()[1:]
    assert columns(row)[2:] == ["reader", columns(row)[3], "error", "×1", "disk full"]
    assert re.fullmatch(r"held \(maintenance:\d+\)", columns(row)[3])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", columns(row)[1])


def test_every_list_prints_one_json_document_of_items(onwatch: Onwatch, everything: None) -> None:
    for command in LISTS:
        result = onwatch(*command, "--json")
        assert result.exit_code == 0, (command, result.output)
        document = json.loads(result.stdout)
        assert isinstance(document, dict) and isinstance(document["items"], list), command
        assert document["items"], command
        for item in document["items"]:
            assert all(SNAKE_CASE.match(key) for key in item), (command, sorted(item))
            for key, value in item.items():
                if key.endswith("_at") and value is not None:
                    assert datetime.fromisoformat(value).utcoffset() == timedelta(0), (key, value)
                    assert value.endswith("Z"), (command, key, value)


def test_users_list_shows_accounts_and_never_their_passwords(
    onwatch: Onwatch, everything: None
) -> None:
    assert (
        onwatch(
            "users",
            "create",
            "bob",
            "--role",
            "viewer",
            "--person",
            "bob",
            "--password-stdin",
            input="another-pass-2\n",
        ).exit_code
        == 0
    )
    rows = [columns(line) for line in onwatch("users", "list").stdout.splitlines()[1:]]
    assert [row[:4] for row in rows] == [
        ["ann", "admin", "—", "active"],
        ["bob", "viewer", "bob", "active"],
    ]
    listed = json.loads(onwatch("users", "list", "--json").stdout)["items"]
    assert [sorted(user) for user in listed] == [
        ["created_at", "disabled", "person", "role", "username"]
    ] * 2


def test_status_all_lists_every_status(onwatch: Onwatch, everything: None, db: Database) -> None:
    send(db, "reader", AlertEvent("resolve", "disk"))
    [first] = json.loads(onwatch("incidents", "list", "--json").stdout)["items"]
    assert onwatch("incidents", "resolve", str(first["id"])).exit_code == 0
    send(db, "vet-records", AlertEvent("trigger", "mem", summary="mem low", severity="critical"))

    every = json.loads(onwatch("alerts", "list", "--status", "all", "--json").stdout)["items"]
    assert [(a["dedup_key"], a["status"]) for a in every] == [
        ("mem", "firing"),
        ("cpu", "resolved"),
        ("disk", "resolved"),
    ]
    incidents = onwatch("incidents", "list", "--status", "all", "--json")
    assert [i["status"] for i in json.loads(incidents.stdout)["items"]] == ["triggered", "resolved"]
    assert onwatch("incidents", "list", "--status", "all").stdout.count("\n") == 3  # + header
    bad = onwatch("incidents", "list", "--status", "everything")
    assert (bad.exit_code, bad.stderr) == (
        3,
        "error: --status: must be one of triggered, acknowledged, mitigated, resolved, closed, "
        "open, done, all (got 'everything')\n",
    )


def test_acknowledge_is_ack_spelled_out(onwatch: Onwatch, everything: None) -> None:
    [incident] = json.loads(onwatch("incidents", "list", "--json").stdout)["items"]
    acked = onwatch("incidents", "acknowledge", str(incident["id"]))
    assert (acked.exit_code, acked.stdout) == (0, f"incident {incident['id']} acknowledged\n")
    again = onwatch("incidents", "ack", str(incident["id"]))
    assert again.stdout == f"incident {incident['id']} acknowledged (no change)\n"


def test_an_instant_given_with_an_offset_is_printed_in_utc_and_says_so(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(ORG)
    assert onwatch("apply", "-f", str(path)).exit_code == 0
    added = onwatch(
        "maintenance",
        "add",
        "--service",
        "reader",
        "--message",
        "m",
        "--starts",
        "2035-03-04T09:00-05:00",
        "--for",
        "2h",
    )
    assert added.stdout.endswith(": 2035-03-04 14:00 UTC to 2035-03-04 16:00 UTC\n"), added.stdout
    silenced = onwatch(
        "silences",
        "add",
        "app=x",
        "--reason",
        "r",
        "--starts",
        "2035-03-04T09:00-05:00",
        "--until",
        "2035-03-04T11:00-05:00",
    )
    assert silenced.stdout.endswith(" from 2035-03-04 14:00 UTC until 2035-03-04 16:00 UTC\n")
    [row] = onwatch("maintenance", "list").stdout.splitlines()[1:]
    assert columns(row)[3:5] == ["2035-03-04 14:00 UTC", "2035-03-04 16:00 UTC"]
    covered = onwatch(
        "overrides",
        "add",
        "platform",
        "--covering",
        "bob",
        "--covered",
        "ann",
        "--from",
        "2035-03-12T09:00-05:00",
        "--to",
        "2035-03-12T17:00-05:00",
    )
    assert covered.stdout.endswith(
        " from Mon 2035-03-12 10:00 EDT to Mon 2035-03-12 18:00 EDT\n"
    ), covered.stdout
