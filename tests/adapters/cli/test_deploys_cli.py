"""`onwatch deploys record|list|show` and `onwatch errors evidence` as an operator types them,
each with --json where it has one; a bad instant names the option."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest

from onwatch.core.db import Database
from onwatch.errors import actions, keys
from onwatch.errors.envelope import Envelope, Item
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.errors.envelopes import exception_event


@pytest.fixture
def shop(onwatch: Onwatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "org.yaml"
    path.write_text("services:\n  - {name: shop}\n")
    assert onwatch("apply", "-f", str(path)).exit_code == 0


def test_record_list_and_show_a_deploy(onwatch: Onwatch, shop: None) -> None:
    made = onwatch(
        "deploys", "record", "--service", "shop", "--release", "shop@2.0.0",
        "--deployer", "someone", "--at", "2026-03-02T14:00:00Z", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    deploy = json.loads(made.stdout)
    assert (deploy["release"], deploy["deployer"], deploy["source"]) == (
        "shop@2.0.0",
        "someone",
        "cli",
    )
    listed = onwatch("deploys", "list", "--service", "shop", "--json")
    assert [d["id"] for d in json.loads(listed.stdout)["items"]] == [deploy["id"]]
    assert "shop@2.0.0" in onwatch("deploys", "list").stdout
    shown = onwatch("deploys", "show", str(deploy["id"]))
    assert shown.exit_code == 0 and "someone" in shown.stdout


def test_an_instant_without_a_zone_is_refused_naming_it(onwatch: Onwatch, shop: None) -> None:
    refused = onwatch(
        "deploys", "record", "--service", "shop", "--release", "r1", "--at", "2026-03-02T14:00"
    )
    assert refused.exit_code != 0 and "at" in refused.output
    assert json.loads(onwatch("deploys", "list", "--json").stdout)["items"] == []


def test_errors_evidence_prints_the_bundle_as_markdown_and_json(
    onwatch: Onwatch, db: Database, shop: None
) -> None:
    with db.transaction() as session:
        key = keys.create_key(session, service="shop", actor="test", now=datetime.now(UTC))
        grant = keys.grant_for(session, key.public_key, key.service_id)
        sent = [exception_event(user={"ip_address": f"203.0.113.{n}"}) for n in (1, 2, 2)]
        items = [Item("event", {"type": "event"}, orjson.dumps(e)) for e in sent]
        events, counts = actions.parse_events(Envelope({}, items))
        actions.receive(
            session, grant, events, counts, peer=None, now=datetime.now(UTC), keep_samples=10
        )
    issue_id = json.loads(onwatch("errors", "list", "--json").stdout)["items"][0]["id"]
    markdown = onwatch("errors", "evidence", str(issue_id))
    assert markdown.exit_code == 0, markdown.output
    assert "- Total events: 3" in markdown.stdout and "- Unique client IPs: 2" in markdown.stdout
    document = json.loads(onwatch("errors", "evidence", str(issue_id), "--format", "json").stdout)
    assert len(document["samples"]) == 3
    assert {s["url"] for s in document["samples"]} == {"https://shop.example/cart"}
