"""`onwatch postmortems show|publish|export ID` and `onwatch postmortems actions
list|add|set|remove`: post-mortems and their action items from the operator's shell (--json
too); changes act as `cli:<user>`, audited and on the timeline with source `cli`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import typer

from onwatch.cli.output import NONE, at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, fail, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.incidents import actions as incidents
from onwatch.postmortems import actions, items, queries
from onwatch.postmortems.models import ActionItem

app = typer.Typer(
    no_args_is_help=True, help="Post-mortems: show, publish, export; their action items."
)
action_items = typer.Typer(
    no_args_is_help=True, help="Action items of an incident: list, add, set, remove."
)
app.add_typer(action_items, name="actions")
SOURCE = "cli"
FORMATS = ("md", "html")


def _doc(doc: actions.Document) -> dict[str, Any]:
    return asdict(doc)


@app.command("show")
def show(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """The incident's post-mortem (its generated draft if nobody saved one yet)."""
    db = open_database(settings())
    with reported(), db.read() as session:
        doc = actions.show(session, incident_id)
    if as_json:
        emit(_doc(doc))
        return
    stored = "" if doc.stored else " (generated draft, not saved)"
    typer.echo(f"post-mortem of incident {incident_id}: {doc.state}{stored}")
    if doc.published_at:
        typer.echo(f"published {at_text(doc.published_at)} by {doc.published_by}")
    typer.echo("")
    typer.echo(doc.markdown, nl=False)


@app.command("publish")
def publish(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Publish the post-mortem (exit 5 if it already is)."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        doc = actions.publish(
            session, incident_id, actor=actor(), source=SOURCE, now=SystemClock().now()
        )
    if as_json:
        emit(_doc(doc))
        return
    typer.echo(f"post-mortem of incident {incident_id} published")


@app.command("export")
def export(
    incident_id: int = typer.Argument(...),
    format: str = typer.Option("md", "--format", help="md (Markdown) or html."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Print the post-mortem as Markdown or as a standalone HTML page."""
    if format not in FORMATS:
        fail(f"--format: must be md or html (got {format!r})", 3)
    db = open_database(settings())
    with reported(), db.read() as session:
        doc = actions.show(session, incident_id)
    content = doc.markdown
    if format == "html":
        # markdown-it only for the HTML export, for startup speed.
        from onwatch.postmortems import rendering

        content = rendering.document(doc.markdown, f"Post-mortem: {doc.title}")
    if as_json:
        emit({"incident_id": incident_id, "format": format, "content": content})
        return
    typer.echo(content, nl=False)


HEADERS = ["ID", "STATUS", "KIND", "OWNER", "DUE", "FROM", "TITLE"]


def _item_row(item: dict[str, Any]) -> list[object]:
    return [
        item["id"],
        item["status"],
        item["kind"],
        item["owner"] or NONE,
        item["due_on"] or NONE,
        item["origin"],
        item["title"],
    ]


@action_items.command("list")
def list_items(
    incident_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """The incident's action items, oldest first."""
    db = open_database(settings())
    with reported(), db.read() as session:
        incidents.get(session, incident_id)  # an unknown incident exits 4
        found = [items.view(i, p) for i, p in queries.items(session, incident_id)]
    if as_json:
        emit_items(found)
        return
    table(HEADERS, (_item_row(i) for i in found), empty="no action items")


def _given(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _emit_item(item_id: int, as_json: bool, said: str) -> None:
    db = open_database(settings())
    with db.read() as session:
        item = session.get(ActionItem, item_id)
        found = [items.view(i, p) for i, p in queries.items(session, item.incident_id)] \
            if item is not None else []  # fmt: skip
    [view] = [v for v in found if v["id"] == item_id] or [None]
    if as_json and view is not None:
        emit(view)
        return
    typer.echo(said)


@action_items.command("add")
def add_item(
    incident_id: int = typer.Argument(...),
    title: str = typer.Argument(..., help="What is to be done, in quotes."),
    owner: str = typer.Option(None, "--owner", help="A person's handle."),
    due: str = typer.Option(None, "--due", help="The due date, YYYY-MM-DD."),
    kind: str = typer.Option("prevent", "--kind", help="mitigate, prevent or process."),
    ticket: str = typer.Option(None, "--ticket", help="An http(s) link to its ticket."),
    origin: str = typer.Option("incident", "--origin", help="incident or review."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add an action item to an incident."""
    db = open_database(settings())
    with reported():
        spec = items.parsed(
            items.ItemSpec,
            _given(title=title, owner=owner, due_on=due, kind=kind, ticket_url=ticket,
                   origin=origin),
        )  # fmt: skip
        with db.transaction() as session:
            item = items.add(
                session, incident_id, spec, actor=actor(), source=SOURCE, now=SystemClock().now()
            )
            item_id = item.id
    _emit_item(item_id, as_json, f"action item {item_id} added to incident {incident_id}")


@action_items.command("set")
def set_item(
    item_id: int = typer.Argument(...),
    status: str = typer.Option(None, "--status", help="open, done or wont_do."),
    title: str = typer.Option(None, "--title"),
    owner: str = typer.Option(None, "--owner", help="A person's handle."),
    due: str = typer.Option(None, "--due", help="The due date, YYYY-MM-DD."),
    kind: str = typer.Option(None, "--kind", help="mitigate, prevent or process."),
    ticket: str = typer.Option(None, "--ticket", help="An http(s) link to its ticket."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Change an action item: only the options given."""
    db = open_database(settings())
    with reported():
        change = items.parsed(
            items.ItemChange,
            _given(status=status, title=title, owner=owner, due_on=due, kind=kind,
                   ticket_url=ticket),
        )  # fmt: skip
        with db.transaction() as session:
            items.change(
                session, item_id, change, actor=actor(), source=SOURCE, now=SystemClock().now()
            )
    _emit_item(item_id, as_json, f"action item {item_id} changed")


@action_items.command("remove")
def remove_item(item_id: int = typer.Argument(...)) -> None:
    """Remove an action item."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        items.remove(session, item_id, actor=actor(), source=SOURCE, now=SystemClock().now())
    typer.echo(f"action item {item_id} removed")
