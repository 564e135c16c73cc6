"""`onwatch postmortems` from the shell: show (the generated draft, --json), publish (audited,
on the timeline as cli), export as Markdown and HTML, action items added, changed, listed and
removed; an unknown incident exits 4 with nothing stored, bad input exits 3 naming the field."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.postmortems.models import ActionItem, PostMortem
from tests.adapters.cli.conftest import Onwatch
from tests.integration.postmortems.story import seed


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_show_publish_and_export_from_the_shell(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    incident = str(seed(db, clock).incident_id)
    shown = onwatch("postmortems", "show", incident)
    assert shown.exit_code == 0
    assert "draft (generated draft, not saved)" in shown.stdout
    assert "## Timeline" in shown.stdout
    data = json.loads(onwatch("postmortems", "show", incident, "--json").stdout)
    assert (data["state"], data["stored"]) == ("draft", False)
    assert count(db, PostMortem) == 0

    published = onwatch("postmortems", "publish", incident)
    assert (published.exit_code, published.stdout.strip()) == (
        0, f"post-mortem of incident {incident} published",
    )  # fmt: skip
    again = onwatch("postmortems", "publish", incident)
    assert again.exit_code == 5 and "already published" in again.stderr
    with db.read() as session:
        settled = session.get(Incident, int(incident))
        assert settled is not None and settled.postmortem_state == "published"
        entry = session.scalars(
            select(TimelineEntry).where(TimelineEntry.text == "Post-mortem published")
        ).one()
        assert (entry.source, entry.actor.startswith("cli:")) == ("cli", True)

    md = onwatch("postmortems", "export", incident)
    assert md.stdout.startswith("# Post-mortem: card payments failing\n")
    html = onwatch("postmortems", "export", incident, "--format", "html")
    assert "<h1>Post-mortem: card payments failing</h1>" in html.stdout
    exported = json.loads(onwatch("postmortems", "export", incident, "--json").stdout)
    assert exported["format"] == "md" and exported["content"] == md.stdout
    bad = onwatch("postmortems", "export", incident, "--format", "pdf")
    assert bad.exit_code == 3 and "--format" in bad.stderr


def test_action_items_from_the_shell(onwatch: Onwatch, db: Database, clock: FakeClock) -> None:
    incident = str(seed(db, clock).incident_id)
    added = onwatch(
        "postmortems", "actions", "add", incident, "Alert on certificate expiry",
        "--owner", "lee", "--due", "2026-04-01", "--ticket", "https://tracker.example.org/7",
        "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    item = json.loads(added.stdout)
    assert (item["owner"], item["due_on"], item["kind"]) == ("lee", "2026-04-01", "prevent")
    changed = onwatch("postmortems", "actions", "set", str(item["id"]),
                      "--status", "done")  # fmt: skip
    assert changed.exit_code == 0
    listed = onwatch("postmortems", "actions", "list", incident)
    assert "done" in listed.stdout and "Alert on certificate expiry" in listed.stdout
    as_json = json.loads(onwatch("postmortems", "actions", "list", incident, "--json").stdout)
    assert [i["status"] for i in as_json["items"]] == ["done"]

    bad = onwatch("postmortems", "actions", "add", incident, "x", "--ticket", "file:///etc")
    assert bad.exit_code == 3 and "ticket_url" in bad.stderr
    nobody = onwatch("postmortems", "actions", "add", incident, "x", "--owner", "zed")
    assert nobody.exit_code == 3 and "owner: no person" in nobody.stderr
    removed = onwatch("postmortems", "actions", "remove", str(item["id"]))
    assert removed.exit_code == 0 and count(db, ActionItem) == 0


def test_an_unknown_incident_exits_4_with_nothing_stored(onwatch: Onwatch, db: Database) -> None:
    for args in (
        ("show", "9999"),
        ("publish", "9999"),
        ("export", "9999"),
        ("actions", "list", "9999"),
        ("actions", "add", "9999", "x"),
    ):
        result = onwatch("postmortems", *args)
        assert result.exit_code == 4, (args, result.stderr)
        assert "no incident 9999" in result.stderr
    assert count(db, PostMortem) == count(db, ActionItem) == 0
