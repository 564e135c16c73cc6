"""The `onwatch` command."""

from __future__ import annotations

import typer

from onwatch.cli import (
    access,
    alerts,
    config,
    demo,
    heartbeats,
    incidents,
    maintenance,
    schedules,
    server,
    silences,
)

cli = typer.Typer(
    name="onwatch",
    no_args_is_help=True,
    help="Self-hosted incident response and on-call. Settings come from ONWATCH_* variables "
    "(ONWATCH_DATABASE_URL picks the database; the default is a SQLite file).",
    pretty_exceptions_enable=False,
)
cli.command("serve")(server.serve)
cli.command("engine")(server.engine_command)
cli.command("migrate")(server.migrate)
cli.command("apply")(config.apply_command)
cli.command("export")(config.export_command)
cli.command("demo")(demo.demo)
cli.command("audit")(access.audit)
cli.command("oncall")(schedules.oncall)
cli.add_typer(config.app, name="config")
cli.add_typer(access.users, name="users")
cli.add_typer(access.tokens, name="tokens")
cli.add_typer(access.integrations, name="integrations")
cli.add_typer(alerts.app, name="alerts")
cli.add_typer(incidents.app, name="incidents")
cli.add_typer(silences.app, name="silences")
cli.add_typer(maintenance.app, name="maintenance")
cli.add_typer(heartbeats.app, name="heartbeats")
cli.add_typer(schedules.schedules, name="schedules")
cli.add_typer(schedules.overrides, name="overrides")
cli.add_typer(schedules.calendars, name="calendars")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
