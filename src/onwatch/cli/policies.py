"""`onwatch policies list|show NAME`: escalation policies with their steps and whom each step
would reach right now. Policies are written with `onwatch apply`."""

from __future__ import annotations

import typer

from onwatch.cli.output import at_text, emit, emit_items, table
from onwatch.cli.runtime import open_database, reported, settings
from onwatch.core.clock import SystemClock

app = typer.Typer(no_args_is_help=True, help="Escalation policies: who is paged, step by step.")


@app.command("list")
def list_policies(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every policy: its steps, repeats and the services that use it."""
    # The views bring pydantic models and the schedule lookups: imported when the command runs,
    # for startup speed.
    from onwatch.escalation.views import policy_views

    db = open_database(settings())
    with reported(), db.read() as session:
        views = policy_views(session, SystemClock().now())
    if as_json:
        emit_items(v.model_dump() for v in views)
        return
    table(
        ["NAME", "STEPS", "REPEAT", "ACK TIMEOUT", "SERVICES"],
        (
            [v.name, len(v.steps), v.repeat, v.ack_timeout or "-", ", ".join(v.services) or "-"]
            for v in views
        ),
        empty="No escalation policies. Declare them under `escalation_policies:` in the config "
        "file (docs/escalation.md).",
    )


@app.command("show")
def show_policy(
    name: str = typer.Argument(..., help="The policy's name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One policy, step by step, with whom each target would reach right now."""
    from onwatch.escalation.views import one_policy

    db = open_database(settings())
    with reported(), db.read() as session:
        view = one_policy(session, name, SystemClock().now())
    if as_json:
        emit(view.model_dump())
        return
    typer.echo(f"{view.name}: used by {', '.join(view.services) or 'no service'}")
    if view.description:
        typer.echo(view.description)
    typer.echo(f"who each target reaches as of {at_text(view.at)}")
    table(
        ["STEP", "DELAY", "TARGET", "REACHES NOW"],
        (
            [
                f"{step.number}{' (round robin)' if step.round_robin and i == 0 else ''}",
                step.delay if i == 0 else "",
                target.target,
                target.reaches or f"nobody ({target.why})",
            ]
            for step in view.steps
            for i, target in enumerate(step.targets)
        ),
        empty="no steps",
    )
    if view.repeat:
        typer.echo(f"then the whole policy again, {view.repeat} more time(s)")
    if view.ack_timeout:
        typer.echo(f"ack timeout: {view.ack_timeout}")
