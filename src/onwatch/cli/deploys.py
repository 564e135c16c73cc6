"""`onwatch deploys record|list|show`: deploy records and what the watch after each found."""

from __future__ import annotations

from datetime import datetime

import typer

from onwatch.cli.output import at_text, emit, emit_items, fields, table
from onwatch.cli.runtime import open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.core.errors import Invalid
from onwatch.deploys import actions, queries

app = typer.Typer(no_args_is_help=True, help="Deploys and the watch of errors after each.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"not an ISO 8601 instant: {value!r}", "at") from None
    if at.tzinfo is None:
        raise Invalid("give a time zone (Z or +hh:mm)", "at")
    return at


@app.command("record")
def record(
    service: str = typer.Option(..., "--service", help="The service deployed."),
    release: str = typer.Option(..., "--release", help="The release, as its SDKs report it."),
    deployer: str | None = typer.Option(None, "--deployer", help="A handle, e-mail or text."),
    environment: str | None = typer.Option(None, "--environment"),
    at: str | None = typer.Option(None, "--at", help="ISO 8601 with zone; default now."),
    watch_minutes: int | None = typer.Option(None, "--watch-minutes", help="Default: settings."),
    as_json: bool = JSON,
) -> None:
    """Record a deploy; its release's errors are watched for a while after it."""
    from onwatch.web.api.deploys import deploy_detail  # startup: the web stack only here

    db = open_database(settings())
    now = SystemClock().now()
    with reported(), db.transaction() as session:
        spec = actions.DeploySpec(
            service=service, release=release, deployed_at=_instant(at) or now, source="cli",
            environment=environment, deployer=deployer, watch_minutes=watch_minutes,
        )  # fmt: skip
        detail = deploy_detail(session, actions.record(session, spec, now).id)
    if as_json:
        emit(detail)
        return
    typer.echo(f"Deploy {detail['id']}: {service} {detail['release']} recorded.")


@app.command("list")
def list_deploys(
    service: str | None = typer.Option(None, "--service", help="Only this service's."),
    as_json: bool = JSON,
) -> None:
    """Deploys, newest first."""
    from onwatch.web.api.deploys import deploy_view

    db = open_database(settings())
    with reported(), db.read() as session:
        rows = [deploy_view(d, name) for d, name in queries.deploys(session, service)]
    if as_json:
        emit_items(rows)
        return
    table(
        ["ID", "SERVICE", "RELEASE", "DEPLOYER", "AT", "WATCHED"],
        (
            [r["id"], r["service"], r["release"], r["deployer"] or "—", at_text(r["at"]),
             at_text(r["watched_at"]) if r["watched_at"] else "watching"]
            for r in rows
        ),
        empty="No deploys recorded.",
    )  # fmt: skip


@app.command("show")
def show(deploy_id: int = typer.Argument(...), as_json: bool = JSON) -> None:
    """One deploy and its findings."""
    from onwatch.web.api.deploys import deploy_detail

    db = open_database(settings())
    with reported(), db.read() as session:
        detail = deploy_detail(session, deploy_id)
    if as_json:
        emit(detail)
        return
    fields(detail, ["id", "service", "release", "environment", "deployer", "at", "source",
                    "watched_at", "summary"])  # fmt: skip
    for f in detail["findings"]:
        typer.echo(f"  {f['kind']}: issue {f['issue_id']} {f['title']} ({f['count']} events)")
