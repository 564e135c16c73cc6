"""`onwatch errors …` as an operator types them: a DSN (audited), the ingestion counts, issues
listed, shown, resolved and silenced, each with --json; bad input names the option."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.db import Database
from onwatch.errors import actions, items, keys
from onwatch.errors.envelope import Envelope, Item
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.errors.envelopes import exception_event


@pytest.fixture
def dsn(onwatch: Onwatch, tmp_path) -> dict:  # type: ignore[type-arg]
    path = tmp_path / "org.yaml"
    path.write_text("services:\n  - {name: shop}\n")
    assert onwatch("apply", "-f", str(path)).exit_code == 0
    issued = onwatch(
        "errors", "dsn", "shop", "--json", env={"ONWATCH_BASE_URL": "https://ow.example"}
    )
    assert issued.exit_code == 0, issued.output
    return json.loads(issued.stdout)


def _receive(db: Database, dsn: dict, count: int) -> None:  # type: ignore[type-arg]
    public_key = dsn["dsn"].split("//")[1].split("@")[0]
    items = [
        Item("event", {"type": "event"}, orjson.dumps(exception_event())) for _ in range(count)
    ]
    items.append(Item("transaction", {"type": "transaction"}, b"{}"))
    events, counts = actions.parse_events(Envelope({}, items))
    with db.transaction() as session:
        grant = keys.grant_for(session, public_key, dsn["project_id"])
        actions.receive(
            session, grant, events, counts, peer=None, now=datetime.now(UTC), keep_samples=10
        )


def test_dsn_is_printed_and_audited_without_its_key(
    onwatch: Onwatch,
    db: Database,
    dsn: dict,  # type: ignore[type-arg]
) -> None:
    assert dsn["dsn"].startswith("https://") and dsn["dsn"].endswith(
        f"@ow.example/{dsn['project_id']}"
    )
    plain = onwatch("errors", "dsn", "shop", env={"ONWATCH_BASE_URL": "https://ow.example"})
    assert plain.stdout.strip().endswith(f"/{dsn['project_id']}")
    with db.read() as session:
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "error_key.create"))
        )
    assert len(entries) == 2
    public_key = dsn["dsn"].split("//")[1].split("@")[0]
    assert all(public_key not in json.dumps(e.after) + e.entity_key for e in entries)


def test_list_show_resolve_silence_and_ingestion(
    onwatch: Onwatch,
    db: Database,
    dsn: dict,  # type: ignore[type-arg]
) -> None:
    _receive(db, dsn, 2)
    [issue] = json.loads(onwatch("errors", "list", "--json", "--sort", "events").stdout)["items"]
    assert (issue["events"], issue["status"], issue["substatus"]) == (2, "unresolved", "new")
    shown = json.loads(onwatch("errors", "show", str(issue["id"]), "--json").stdout)
    assert shown["grouping"]["reason"].startswith("grouped by ValueError at in-app frames")
    assert len(shown["samples"]) == 2 and shown["samples"][0]["stacktrace"][0]["in_app"]
    text = onwatch("errors", "show", str(issue["id"])).stdout
    assert "shop.views in checkout" in text
    resolved = onwatch(
        "errors", "resolve", str(issue["id"]), "--in-release", "shop@2.1.0", "--json"
    )
    assert json.loads(resolved.stdout)["resolution"]["release"] == "shop@2.1.0"
    silenced = onwatch("errors", "silence", str(issue["id"]), "--events", "100", "--json")
    assert json.loads(silenced.stdout)["silence"]["events"] == 100
    assert "silenced" in onwatch("errors", "list").stdout
    counts = json.loads(onwatch("errors", "ingestion", "shop", "--json").stdout)["items"]
    assert {c["item_type"]: (c["handling"], c["count"]) for c in counts} == {
        "event": ("processed", 2),
        "transaction": ("counted", 1),
    }


def test_bad_input_names_the_option(onwatch: Onwatch, db: Database, dsn: dict) -> None:  # type: ignore[type-arg]
    _receive(db, dsn, 1)
    refused = onwatch("errors", "silence", "1", "--events", "0")
    assert refused.exit_code == 3 and "error: events:" in refused.stderr
    refused = onwatch("errors", "silence", "1", "--until", "2026-03-04T09:00")
    assert refused.exit_code == 3 and "error: until:" in refused.stderr  # no zone: refused
    silenced = onwatch("errors", "silence", "1", "--until", "2099-03-04T09:00-05:00", "--json")
    assert json.loads(silenced.stdout)["silence"]["until"] == "2099-03-04T14:00:00+00:00"
    silenced = onwatch("errors", "silence", "1", "--for", "2h", "--json")
    assert json.loads(silenced.stdout)["silence"]["until"] is not None
    assert onwatch("errors", "list", "--sort", "loudest").exit_code == 3
    assert onwatch("errors", "show", "999").exit_code == 4
    assert onwatch("errors", "dsn", "nowhere").exit_code == 4


def test_releases_show_crash_free_rates_as_a_table_and_json(
    onwatch: Onwatch,
    db: Database,
    dsn: dict,  # type: ignore[type-arg]
) -> None:
    public_key = dsn["dsn"].split("//")[1].split("@")[0]
    aggregates = {
        "attrs": {"release": "shop@3.0.0", "environment": "production"},
        "aggregates": [{"started": "2026-03-02T14:00:00Z", "exited": 197, "crashed": 3}],
    }
    parsed = Envelope({}, [Item("sessions", {"type": "sessions"}, orjson.dumps(aggregates))])
    kept = items.read(parsed)
    with db.transaction() as session:
        grant = keys.grant_for(session, public_key, dsn["project_id"])
        actions.receive(
            session, grant, [], {}, peer=None, now=datetime.now(UTC), keep_samples=10, kept=kept
        )
    listed = json.loads(onwatch("errors", "releases", "--service", "shop", "--json").stdout)
    [release] = listed["items"]
    assert (release["release"], release["sessions"], release["crashed"]) == ("shop@3.0.0", 200, 3)
    assert release["crash_free_sessions"] == 98.5
    plain = onwatch("errors", "releases", "--service", "shop")
    assert plain.exit_code == 0
    assert "shop@3.0.0  production   200       3        98.5" in plain.stdout
    missing = onwatch("errors", "releases", "--service", "nope")
    assert missing.exit_code != 0 and "nope" in missing.output
