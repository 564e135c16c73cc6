"""`onwatch errors dsn|keys|ingestion|releases|list|show|resolve|silence|reopen|triage|merge|
ticket`: error tracking from a shell (`keys`: cli/error_keys.py)."""

from __future__ import annotations

from datetime import datetime

import typer

from onwatch.cli import error_keys
from onwatch.cli.output import at_text, emit, emit_items, fields, table
from onwatch.cli.runtime import actor, open_database, public_url, reported, settings
from onwatch.cli.silences import checked
from onwatch.core.clock import SystemClock
from onwatch.core.durations import parse_duration
from onwatch.core.errors import Invalid
from onwatch.directory.queries import get_service
from onwatch.errors import actions, keys, merging, queries, triage
from onwatch.errors.tickets import ErrorTickets

app = typer.Typer(no_args_is_help=True, help="Error tracking: DSNs for Sentry SDKs, error issues.")
JSON = typer.Option(False, "--json", help="Print JSON.")
app.add_typer(error_keys.app, name="keys")


@app.command("dsn")
def dsn(
    service: str = typer.Argument(..., help="The service whose SDKs send with this DSN."),
    as_json: bool = JSON,
) -> None:
    """Issue a new DSN for a service and print it (configure a Sentry SDK with it)."""
    # The API's views (and FastAPI under them) only for the commands that print them: startup.
    from onwatch.web.api.error_setup import key_view

    config = settings()
    db = open_database(config)
    with reported(), db.transaction() as session:
        key = keys.create_key(session, service=service, actor=actor(), now=SystemClock().now())
        view = key_view(key, service, public_url(config))
    if as_json:
        emit(view)
        return
    typer.echo(view["dsn"])


@app.command("ingestion")
def ingestion(
    service: str = typer.Argument(..., help="The service whose envelope items are counted."),
    as_json: bool = JSON,
) -> None:
    """Envelope items received by type: processed, counted, or skipped."""
    from onwatch.web.api.error_setup import ingestion_view  # startup speed, as in dsn

    db = open_database(settings())
    with reported(), db.read() as session:
        service_id = get_service(session, service).id
        rows = [ingestion_view(row) for row in queries.ingestion_of(session, service_id)]
    if as_json:
        emit_items(rows)
        return
    table(
        ["TYPE", "HANDLING", "COUNT", "LAST"],
        ([r["item_type"], r["handling"], r["count"], at_text(r["last_at"])] for r in rows),
        empty=f"Nothing received for {service} yet.",
    )


@app.command("releases")
def releases(
    service: str = typer.Option(..., "--service", help="The service whose releases."),
    as_json: bool = JSON,
) -> None:
    """Release health: sessions, crash-free sessions and users per release and environment."""
    from onwatch.web.api.error_setup import release_views  # startup speed, as in dsn

    db = open_database(settings())
    with reported(), db.read() as session:
        rows = release_views(session, service)
    if as_json:
        emit_items(rows)
        return
    table(
        ["RELEASE", "ENVIRONMENT", "SESSIONS", "CRASHED", "CRASH-FREE %", "USERS", "USERS OK %"],
        (
            [
                r["release"],
                r["environment"],
                r["sessions"],
                r["crashed"],
                r["crash_free_sessions"],
                r["users"],
                r["crash_free_users"],
            ]
            for r in rows
        ),
        empty=f"No sessions from {service}'s SDKs yet.",
    )


@app.command("list")
def list_issues(
    service: str | None = typer.Option(None, "--service"),
    status: str | None = typer.Option(None, "--status", help="unresolved, resolved, silenced."),
    sort: str = typer.Option("last_seen", "--sort", help="last_seen, events, users or impact."),
    as_json: bool = JSON,
) -> None:
    """Error issues, most recently seen first (or by events or users)."""
    from onwatch.web.api.errors import issue_view  # startup speed, as in dsn

    if sort not in queries.SORTS:
        with reported():
            raise Invalid(f"must be one of {', '.join(queries.SORTS)} (got {sort!r})", "sort")
    db = open_database(settings())
    with reported(), db.read() as session:
        service_id = get_service(session, service).id if service else None
        found = queries.issues(session, service_id=service_id, status=status, sort=sort)
        rows = [issue_view(issue, name) for issue, name in found]
    if as_json:
        emit_items(rows)
        return
    table(
        ["ID", "SERVICE", "STATUS", "EVENTS", "USERS", "LAST SEEN", "TITLE"],
        (
            [
                r["id"],
                r["service"],
                _status(r),
                r["events"],
                r["users"],
                at_text(r["last_seen_at"]),
                r["title"][:60],
            ]
            for r in rows
        ),
        empty="No error issues.",
    )


@app.command("show")
def show(issue_id: int = typer.Argument(...), as_json: bool = JSON) -> None:
    """One issue: why its events were grouped, its counts and its latest samples."""
    from onwatch.web.api.errors import issue_detail  # startup speed, as in dsn

    db = open_database(settings())
    with reported(), db.read() as session:
        detail = issue_detail(session, issue_id, SystemClock().now())
    if as_json:
        emit(detail)
        return
    _print(detail)


@app.command("resolve")
def resolve(
    issue_id: int = typer.Argument(...),
    next_release: bool = typer.Option(False, "--in-next-release"),
    release: str | None = typer.Option(None, "--in-release", help="Fixed in this release."),
    as_json: bool = JSON,
) -> None:
    """Resolve an issue now, in the next release, or in a given release."""
    mode = "release" if release else "next_release" if next_release else "now"
    _change(
        as_json,
        lambda session, now: actions.resolve(
            session, issue_id, mode=mode, release=release, actor=actor(), now=now
        ),
    )


@app.command("silence")
def silence(
    issue_id: int = typer.Argument(...),
    until: str | None = typer.Option(None, "--until", help="When it ends (ISO 8601 with zone)."),
    duration: str | None = typer.Option(None, "--for", help="Or how long: 30m, 2h, 1d."),
    events: int | None = typer.Option(None, "--events", help="Or until this many more events."),
    users: int | None = typer.Option(None, "--users", help="Or until this many more users."),
    as_json: bool = JSON,
) -> None:
    """Silence an issue until a time, N more events or N more users (whichever comes first)."""
    from onwatch.web.api.errors import SilenceIn  # startup speed, as in dsn

    def silenced(session, now):  # type: ignore[no-untyped-def]
        body = checked(SilenceIn, until=until, events=events, users=users)
        ends = now + parse_duration(duration) if duration else body.until
        return actions.silence(
            session, issue_id, until=ends, events=body.events, users=body.users, actor=actor(),
            now=now,
        )  # fmt: skip

    _change(as_json, silenced)


@app.command("reopen")
def reopen(issue_id: int = typer.Argument(...), as_json: bool = JSON) -> None:
    """Back to unresolved, lifting a resolution or a silence."""
    _change(as_json, lambda session, now: actions.reopen(session, issue_id, actor=actor(), now=now))


@app.command("triage")
def triage_issue(
    issue_id: int = typer.Argument(...),
    impact: str = typer.Argument(
        ..., help="noise, annoying, data_corrupting (opens a paging incident) or work_stopping."
    ),
    fix_in_code: bool = typer.Option(False, "--fix-in-code", help="Noise to catch in code."),
    silence: bool = typer.Option(False, "--silence", help="Noise: silence it as well."),
    until: str | None = typer.Option(None, "--until", help="With --silence: ISO 8601 with zone."),
    duration: str | None = typer.Option(None, "--for", help="With --silence: 30m, 2h, 1d."),
    events: int | None = typer.Option(None, "--events", help="With --silence: N more events."),
    users: int | None = typer.Option(None, "--users", help="With --silence: N more users."),
    as_json: bool = JSON,
) -> None:
    """Triage an issue by impact; noise takes its response too (--fix-in-code, --silence)."""
    from onwatch.web.api.errors import SilenceIn  # startup speed, as in dsn

    def triaged(session, now):  # type: ignore[no-untyped-def]
        quiet = None
        if silence:
            body = checked(SilenceIn, until=until, events=events, users=users)
            ends = now + parse_duration(duration) if duration else body.until
            quiet = triage.Silence(until=ends, events=body.events, users=body.users)
        return triage.triage(
            session, issue_id, impact, fix_in_code=fix_in_code, silence=quiet, actor=actor(),
            now=now,
        )  # fmt: skip

    _change(as_json, triaged)


@app.command("merge")
def merge(
    target: int = typer.Argument(
        ..., min=1, max=2**31 - 1, help="The issue that stays (keeps its id)."
    ),
    others: list[int] = typer.Argument(
        ..., min=1, max=2**31 - 1, help="Issues of the same service to merge into it."
    ),
    as_json: bool = JSON,
) -> None:
    """Merge issues of one service into TARGET: their events, counts and samples move into it,
    and their later events land in it."""
    keep = settings().errors_samples
    _change(
        as_json,
        lambda session, now: merging.merge(
            session, target, others, keep_samples=keep, actor=actor(), now=now
        ),
    )


@app.command("ticket")
def ticket(issue_id: int = typer.Argument(...), as_json: bool = JSON) -> None:
    """Open the issue's ticket in its team's tracker (the one it has, if it has one); the engine
    sends it, and `show` gives its link once the tracker answered."""
    base = public_url(settings())

    def ticketed(session, now):  # type: ignore[no-untyped-def]
        ErrorTickets(base).open_now(session, issue_id, actor=actor(), now=now)
        return queries.issue(session, issue_id)

    _change(as_json, ticketed)


def _change(as_json: bool, change) -> None:  # type: ignore[no-untyped-def]
    from onwatch.web.api.errors import issue_detail  # startup speed, as in dsn

    db = open_database(settings())
    now = SystemClock().now()
    with reported(), db.transaction() as session:
        issue = change(session, now)
        detail = issue_detail(session, issue.id, now)
    if as_json:
        emit(detail)
        return
    _print(detail)


def _status(view: dict) -> str:  # type: ignore[type-arg]
    return f"{view['status']}/{view['substatus']}" if view["substatus"] else view["status"]


def _print(detail: dict) -> None:  # type: ignore[type-arg]
    typer.echo(f"#{detail['id']} {detail['title']}")
    fields(
        {**detail, "status": _status(detail), "grouping": detail["grouping"]["reason"]},
        ["service", "team", "tech_lead", "status", "impact", "incident_id", "culprit", "level",
         "events", "users", "client_ips", "first_seen_at", "last_seen_at", "last_release",
         "grouping"],
    )  # fmt: skip
    if detail["merged_from"]:
        typer.echo("  merged from " + ", ".join(f"#{n}" for n in detail["merged_from"]))
    for found in detail["tickets"]:
        typer.echo(f"  ticket {found['url'] or found['state']}")
    for sample in detail["samples"][:3]:
        typer.echo(f"  sample {sample['event_id']}  {at_text(sample['received_at'])}  "
                   f"{sample['url'] or ''}".rstrip())  # fmt: skip


@app.command("evidence")
def evidence_command(
    issue_id: int = typer.Argument(...),
    since: str | None = typer.Option(None, "--since", help="ISO 8601; default first event."),
    until: str | None = typer.Option(None, "--until", help="ISO 8601; default now."),
    format: str = typer.Option("md", "--format", help="md (Markdown) or json."),
) -> None:
    """The evidence bundle of an issue's events: samples, the event total, unique client IPs."""
    from onwatch.upstream import bundles, error_evidence, evidence

    if format not in ("md", "json"):
        raise typer.BadParameter("md or json", param_hint="--format")
    db = open_database(settings())
    with reported(), db.read() as session:
        found = error_evidence.issue_evidence(
            session, issue_id,
            since=datetime.fromisoformat(since) if since else None,
            until=datetime.fromisoformat(until) if until else None,
            now=SystemClock().now(),
        )  # fmt: skip
    document = evidence.to_document(found)
    markdown = format == "md"
    typer.echo(evidence.to_markdown(document) if markdown else bundles.evidence_json(document))
