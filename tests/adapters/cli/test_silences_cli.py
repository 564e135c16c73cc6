"""`onwatch silences|maintenance|heartbeats` as an operator types them: text and --json output,
bad input as exit code 3 naming the option, nothing stored."""

from __future__ import annotations

import json
import re
import socket

import pytest
from sqlalchemy import func, select

from onwatch.alerts.models import Heartbeat, MaintenanceWindow, Silence
from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch


@pytest.fixture
def services(onwatch: Onwatch, tmp_path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("services:\n  - {name: reader}\n  - {name: vet-records, controlled: false}\n")
    assert onwatch("apply", "-f", str(path)).exit_code == 0


def count(db: Database, table: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_silences_add_list_and_expire(onwatch: Onwatch, db: Database) -> None:
    added = onwatch(
        "silences",
        "add",
        "app=reader",
        'env=~"prod|staging"',
        "--for",
        "2h",
        "--reason",
        "noisy replica",
        "--json",
    )
    assert added.exit_code == 0, added.output
    silence = json.loads(added.stdout)
    assert (silence["matchers"], silence["state"], silence["author"][:4]) == (
        ['app="reader"', 'env=~"prod|staging"'],
        "active",
        "cli:",
    )
    listed = onwatch("silences", "list").stdout.splitlines()
    assert listed[0].split() == ["ID", "STATE", "STARTS", "ENDS", "HOLDING", "MATCHERS", "REASON"]
    assert listed[1].split()[:2] == [str(silence["id"]), "active"]
    assert listed[1].endswith("noisy replica")
    assert onwatch("silences", "expire", str(silence["id"])).stdout.strip() == (
        f"expired silence {silence['id']}"
    )
    assert json.loads(onwatch("silences", "list", "--json").stdout) == {"items": []}
    assert [
        s["state"]
        for s in json.loads(onwatch("silences", "list", "--all", "--json").stdout)["items"]
    ] == ["expired"]
    again = onwatch("silences", "expire", str(silence["id"]))
    assert again.exit_code == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["app=~(", "--for", "1h"], "matchers[0]: invalid regular expression"),
        (["app=reader"], "ends_at: required"),
        (["app=reader", "--until", "2020-01-01T00:00:00Z"], "ends_at: is already over"),
        (["app=reader", "--until", "tomorrow"], "ends_at: Input should be a valid datetime"),
    ],
)
def test_bad_silence_exits_3_naming_the_option_and_stores_nothing(
    onwatch: Onwatch, db: Database, args: list[str], message: str
) -> None:
    result = onwatch("silences", "add", *args, "--reason", "r")
    assert result.exit_code == 3
    assert message in result.stderr
    assert count(db, Silence) == 0


def test_maintenance_add_list_and_cancel(onwatch: Onwatch, db: Database, services: None) -> None:
    added = onwatch(
        "maintenance",
        "add",
        "--service",
        "vet-records",
        "--for",
        "3h",
        "--message",
        "Records read-only",
        "--json",
    )
    assert added.exit_code == 0, added.output
    window = json.loads(added.stdout)
    assert (window["service"], window["state"], window["message"]) == (
        "vet-records",
        "active",
        "Records read-only",
    )
    assert "vet-records" in onwatch("maintenance", "list").stdout
    cancelled = json.loads(onwatch("maintenance", "cancel", str(window["id"]), "--json").stdout)
    assert cancelled["cancelled_at"] is not None
    unknown = onwatch("maintenance", "add", "--service", "nope", "--for", "1h", "--message", "m")
    assert (unknown.exit_code, unknown.stderr.strip()) == (3, "error: service: no service 'nope'")
    assert count(db, MaintenanceWindow) == 1


def test_heartbeats_add_prints_the_ping_url_once_and_key_issues_a_new_one(
    onwatch: Onwatch, db: Database, services: None
) -> None:
    added = onwatch("heartbeats", "add", "nightly", "--service", "reader", "--interval", "1d")
    assert added.exit_code == 0, added.output
    url = added.stdout.strip()
    assert url.startswith("http://127.0.0.1:8080/heartbeats/owh_") and url.endswith("/ping")
    rotated = json.loads(onwatch("heartbeats", "key", "nightly", "--json").stdout)
    assert rotated["ping_url"] != url and rotated["state"] == "new"
    assert "nightly" in onwatch("heartbeats", "list").stdout
    assert onwatch("heartbeats", "remove", "nightly").exit_code == 0
    assert count(db, Heartbeat) == 0
    bad = onwatch("heartbeats", "add", "x", "--service", "reader", "--interval", "1s")
    assert (bad.exit_code, "at least 10s" in bad.stderr) == (3, True)


def test_a_cancelled_window_keeps_its_planned_times_and_says_when_it_was_cancelled(
    onwatch: Onwatch, db: Database, services: None
) -> None:
    added = onwatch("maintenance", "add", "--service", "vet-records", "--message", "m",
                    "--starts", "2035-03-04T09:00-05:00", "--for", "3h", "--json")  # fmt: skip
    window_id = json.loads(added.stdout)["id"]
    cancelled = onwatch("maintenance", "cancel", str(window_id))
    assert re.fullmatch(
        rf"cancelled maintenance {window_id} at \d{{4}}-\d\d-\d\d \d\d:\d\d UTC\n", cancelled.stdout
    )
    assert json.loads(onwatch("maintenance", "list", "--json").stdout) == {"items": []}
    [window] = json.loads(onwatch("maintenance", "list", "--all", "--json").stdout)["items"]
    assert (window["starts_at"], window["ends_at"], window["state"]) == (
        "2035-03-04T14:00:00Z", "2035-03-04T17:00:00Z", "expired")  # fmt: skip
    assert window["cancelled_at"] is not None
    [row] = onwatch("maintenance", "list", "--all").stdout.splitlines()[1:]
    cells = re.split(r" {2,}", row)
    assert cells[1].startswith("cancelled at ") and cells[1].endswith(" UTC")
    assert cells[3:5] == ["2035-03-04 14:00 UTC", "2035-03-04 17:00 UTC"]


def test_heartbeats_add_prints_the_url_onwatch_is_reached_at(
    onwatch: Onwatch, services: None
) -> None:
    public = onwatch("heartbeats", "add", "a", "--service", "reader", "--interval", "1d",
                     env={"ONWATCH_BASE_URL": "https://onwatch.example.org/"})  # fmt: skip
    assert re.fullmatch(r"https://onwatch\.example\.org/heartbeats/owh_\S+/ping\n", public.stdout)
    everywhere = onwatch("heartbeats", "add", "b", "--service", "reader", "--interval", "1d",
                         env={"ONWATCH_HOST": "0.0.0.0", "ONWATCH_PORT": "9090"})  # fmt: skip
    assert everywhere.stdout.startswith(f"http://{socket.gethostname()}:9090/heartbeats/owh_")
