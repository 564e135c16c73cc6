"""`onwatch channels list`: the channels the config file declares, with the references their
secrets are read from (never the secrets: onwatch does not hold them)."""

from __future__ import annotations

import typer

from onwatch.cli.output import emit_items, table
from onwatch.cli.runtime import open_database, settings

app = typer.Typer(no_args_is_help=True, help="Channels: where messages go (Slack, Teams, …).")


@app.command("list")
def list_channels(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every channel: its type, where it sends (an address, a URL or the reference to one), its
    secret's reference and its rate limit."""
    # The spec and the API's view bring pydantic models and the senders' modules: imported when
    # the command runs, for startup speed.
    from onwatch.channels.specs import channel_specs
    from onwatch.web.api.channels import channel_view

    db = open_database(settings())
    with db.read() as session:
        # Whoever runs the CLI reads the database itself, as an admin would: references shown.
        views = [channel_view(spec, show_references=True) for spec in channel_specs(session)]
    if as_json:
        emit_items(v.model_dump() for v in views)
        return
    table(
        ["NAME", "TYPE", "SENDS TO", "SECRET", "RATE LIMIT"],
        (
            [
                v.name,
                v.type,
                ", ".join(v.to) if v.to else v.url,
                v.secret or v.token,
                f"{v.rate_limit.max} per {v.rate_limit.per}" if v.rate_limit else "default",
            ]
            for v in views
        ),
        empty="No channels. Declare them under `channels:` in the config file (docs/channels.md).",
    )
