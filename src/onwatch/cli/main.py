"""The `onwatch` command: each command by name, module and one line of help. A command's module
is imported only when it runs or shows its own help (cli.lazy), so `onwatch --help` and quick
commands such as `onwatch oncall` do not pay for the web stack."""

from __future__ import annotations

import gc

import typer

from onwatch.cli.lazy import Lazy, LazyGroup

COMMANDS = (
    Lazy(
        "serve",
        "onwatch.cli.server:serve",
        "Run the HTTP server (API, UI, intake) and, unless --no-engine, the engine.",
    ),
    Lazy(
        "engine",
        "onwatch.cli.server:engine_command",
        "Run only the engine loop (escalations, deadlines, delivery). Several may run at once.",
    ),
    Lazy("migrate", "onwatch.cli.server:migrate", "Bring the database schema up to date."),
    Lazy(
        "apply",
        "onwatch.cli.config:apply_command",
        "Make the database match FILE, all or nothing. Applying it again changes nothing.",
    ),
    Lazy(
        "export",
        "onwatch.cli.config:export_command",
        "Write the whole configuration as YAML that `apply` takes back with no changes.",
    ),
    Lazy(
        "demo",
        "onwatch.cli.demo:demo",
        "Load every example config into a demo database and start onwatch on it, with demo "
        "logins and an integration key per format.",
    ),
    Lazy("audit", "onwatch.cli.access:audit", "Show the audit log, newest first."),
    Lazy(
        "oncall",
        "onwatch.cli.oncall:oncall",
        "Who is on call now (or --at an instant): every role of every schedule, or of SCHEDULE.",
    ),
    Lazy("config", "onwatch.cli.config:app", "The config file: its reference documentation."),
    Lazy("users", "onwatch.cli.access:users", "Login accounts for the web UI."),
    Lazy("tokens", "onwatch.cli.access:tokens", "API tokens (sent as Authorization: Bearer)."),
    Lazy("integrations", "onwatch.cli.access:integrations", "Integration keys for monitors."),
    Lazy("alerts", "onwatch.cli.alerts:app", "Alerts as monitors reported them."),
    Lazy(
        "incidents",
        "onwatch.cli.incidents:app",
        "Incidents: declare, list, show, ack, resolve, note, update, assign, and the rest of "
        "their lifecycle, roles, impact, upstream, tickets and post-mortem waivers.",
    ),
    Lazy(
        "announce",
        "onwatch.cli.announcements:announce",
        "E-mail a release announcement to the service's subscriber lists.",
    ),
    Lazy(
        "postmortems",
        "onwatch.cli.postmortems:app",
        "Post-mortems: show, publish, export; their action items.",
    ),
    Lazy(
        "silences",
        "onwatch.cli.silences:app",
        "Silences: matching alerts page no one for a while.",
    ),
    Lazy(
        "maintenance",
        "onwatch.cli.maintenance:app",
        "Maintenance windows: a service's alerts are held and users see a message.",
    ),
    Lazy(
        "errors",
        "onwatch.cli.errors:app",
        "Error tracking: DSNs for Sentry SDKs, error issues.",
    ),
    Lazy("deploys", "onwatch.cli.deploys:app", "Deploys and the watch of errors after each."),
    Lazy(
        "heartbeats",
        "onwatch.cli.heartbeats:app",
        "Heartbeats: jobs that must ping onwatch in time.",
    ),
    Lazy("schedules", "onwatch.cli.schedules:schedules", "On-call schedules: shifts and feeds."),
    Lazy(
        "overrides",
        "onwatch.cli.schedules:overrides",
        "Cover for someone: overrides of a schedule.",
    ),
    Lazy(
        "calendars",
        "onwatch.cli.schedules:calendars",
        "Business hours and acknowledgement deadlines.",
    ),
    Lazy("channels", "onwatch.cli.channels:app", "Channels: where messages go (Slack, Teams, …)."),
    Lazy(
        "policies",
        "onwatch.cli.policies:app",
        "Escalation policies: who is paged, step by step.",
    ),
    Lazy("outbox", "onwatch.cli.outbox:app", "Outbox: messages to send, and dead letters."),
    Lazy("people", "onwatch.cli.people:app", "People: send one a test notification."),
)


class Commands(LazyGroup):
    entries = COMMANDS


cli = typer.Typer(
    name="onwatch",
    cls=Commands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@cli.callback()
def onwatch() -> None:
    """Self-hosted incident response and on-call. Settings come from ONWATCH_* variables
    (ONWATCH_DATABASE_URL picks the database; the default is a SQLite file)."""


def main() -> None:
    # A command runs for a moment, and the cycle collector, set off again and again by the
    # objects that importing and a large config file make, took a sixth of `onwatch oncall` and
    # a third of `apply`; reference counting still frees what is dropped. The commands that keep
    # running (serve, engine) turn it back on (server.collect_garbage_less_often).
    gc.disable()
    cli()


if __name__ == "__main__":
    main()
