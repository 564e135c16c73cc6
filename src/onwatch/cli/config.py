"""apply, export and the config reference: the organisation as a file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.exc import OperationalError

from onwatch.cli.runtime import actor, fail, open_database, reported, settings
from onwatch.config import document, reference
from onwatch.config.apply import Plan, apply, export
from onwatch.core.clock import SystemClock
from onwatch.core.errors import FieldError, Invalid
from onwatch.integrations.specs import KeyIssued

app = typer.Typer(no_args_is_help=True, help="The config file: its reference documentation.")


class _DryRun(Exception):
    def __init__(self, plan: Plan) -> None:
        self.plan = plan


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}", 2)
    raise AssertionError  # unreachable: fail() exits


@contextmanager
def _reachable() -> Iterator[None]:
    """A database that cannot be reached is one sentence on stderr and exit 1, not a trace."""
    try:
        yield
    except OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        fail(f"cannot use the database: {reason}", 1)


def apply_command(
    file: str = typer.Option(..., "-f", "--file", help="Config file (YAML or JSON); - for stdin."),
    prune: bool = typer.Option(
        False, "--prune", help="Also delete what the file does not declare."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the changes; write nothing."),
) -> None:
    """Make the database match FILE, all or nothing. Applying it again changes nothing."""
    text = _read(file)
    with reported(), _reachable():
        # The parsed file is gone when _plan returns, before the collector runs again.
        plan = _plan(text, file, prune=prune, dry_run=dry_run)
    for change in plan.changes:
        typer.echo(change.planned() if dry_run and isinstance(change, KeyIssued) else str(change))
    for warning in plan.warnings:
        typer.echo(f"warning: {warning}", err=True)
    count = len(plan.changes)
    verb = "would change" if dry_run else "changed"
    typer.echo(
        "no changes"
        if count == 0
        else f"{verb} {count} object{'s' * (count != 1)}"
        + (" (dry run: nothing written)" if dry_run else "")
    )


def _plan(text: str, file: str, *, prune: bool, dry_run: bool) -> Plan:
    doc = document.load(text, file)  # raises if not YAML/JSON at all: nothing to apply
    db = open_database(settings())
    try:
        with db.transaction() as session:
            plan = apply(session, doc, prune=prune, actor=actor(), now=SystemClock().now())
            if dry_run:
                raise _DryRun(plan)  # leaves the block by an exception: rolled back
    except _DryRun as rolled_back:
        plan = rolled_back.plan
    except Invalid as error:
        count = len(error.errors)
        summary = f"nothing was changed ({count} problem{'s' * (count != 1)} in {file})"
        raise Invalid([*error.errors, FieldError("", summary)]) from None
    finally:
        db.dispose()
    return plan


def export_command(
    output: str = typer.Option("-", "-o", "--output", help="File to write; - for stdout."),
) -> None:
    """Write the whole configuration as YAML that `apply` takes back with no changes."""
    with _reachable():
        db = open_database(settings())
    try:
        with _reachable(), db.read() as session:
            text = export(session)
    finally:
        db.dispose()
    if output == "-":
        typer.echo(text, nl=False)
    else:
        Path(output).write_text(text)


@app.command("reference")
def reference_command() -> None:
    """Print the config-file reference (Markdown), generated from the code."""
    typer.echo(reference.markdown(), nl=False)
