"""`onwatch silences add|list|expire`: silences from the operator's shell, as text or --json."""

from __future__ import annotations

from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from onwatch.alerts import silences
from onwatch.alerts.windows import STATES
from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.core.errors import FieldError, Invalid

app = typer.Typer(no_args_is_help=True, help="Silences: matching alerts page no one for a while.")
Model = TypeVar("Model", bound=BaseModel)


def checked(model: type[Model], **values: Any) -> Model:
    """The request, or Invalid naming each bad option (the CLI reports it, exit code 3)."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        raise Invalid(
            [
                FieldError(".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, "))
                for e in error.errors()
            ]
        ) from None


def states(everything: bool, chosen: list[str] | None) -> list[str]:
    return list(STATES) if everything else chosen or ["active", "pending"]


@app.command("add")
def add(
    matchers: list[str] = typer.Argument(..., help="Matchers: app=reader 'env=~\"prod.*\"'"),
    reason: str = typer.Option(..., "--reason", help="Why; shown to whoever reads it."),
    duration: str = typer.Option(None, "--for", help="How long: 30m, 2h, 1d."),
    ends_at: str = typer.Option(None, "--until", help="When it ends (ISO 8601 with zone)."),
    starts_at: str = typer.Option(None, "--starts", help="When it starts (default now)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Silence alerts matching every MATCHER; prints the new silence's id."""
    # The API's view (and FastAPI under it) is imported only by the commands that print it,
    # for startup speed.
    from onwatch.web.api.silences import silence_view

    db = open_database(settings())
    now = SystemClock().now()
    with reported():
        request = checked(
            silences.SilenceRequest,
            matchers=matchers,
            reason=reason,
            duration=duration,
            ends_at=ends_at,
            starts_at=starts_at,
        )
        with db.transaction() as session:
            silence = silences.create_silence(session, request, actor=actor(), now=now)
    if as_json:
        emit(silence_view(silence, now, 0))
        return
    typer.echo(
        f"silence {silence.id} from {at_text(silence.starts_at)} until {at_text(silence.ends_at)}"
    )


@app.command("list")
def list_silences(
    state: list[str] = typer.Option(None, "--state", help="active, pending or expired."),
    everything: bool = typer.Option(False, "--all", help="Also the recently expired."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Active silences (ending soonest first), then pending ones."""
    from onwatch.web.api.silences import silence_view  # startup speed, as in add

    db = open_database(settings())
    now = SystemClock().now()
    with reported():
        wanted = states(everything, state)
        for name in wanted:
            if name not in STATES:
                raise Invalid(f"must be one of {', '.join(STATES)} (got {name!r})", "--state")
        with db.read() as session:
            found = silences.list_silences(session, now, wanted)  # type: ignore[arg-type]
            held = silences.held_counts(session, "silence", [s.id for s in found])
    rows = [silence_view(s, now, held.get(s.id, 0)) for s in found]
    if as_json:
        emit_items(rows)
        return
    table(
        ["ID", "STATE", "STARTS", "ENDS", "HOLDING", "MATCHERS", "REASON"],
        (
            [
                r["id"],
                r["state"],
                at_text(r["starts_at"]),
                at_text(r["ends_at"]),
                r["held_alerts"],
                ", ".join(r["matchers"]),
                r["reason"],
            ]
            for r in rows
        ),
        empty="no silences",
    )


@app.command("expire")
def expire(
    silence_id: int = typer.Argument(..., help="The silence's id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """End a silence now; alerts it held open incidents at the engine's next tick."""
    from onwatch.web.api.silences import silence_view  # startup speed, as in add

    db = open_database(settings())
    now = SystemClock().now()
    with reported(), db.transaction() as session:
        silence = silences.expire_silence(session, silence_id, actor=actor(), now=now)
        held = silences.held_counts(session, "silence", [silence_id])
    if as_json:
        emit(silence_view(silence, now, held.get(silence_id, 0)))
        return
    typer.echo(f"expired silence {silence_id}")
