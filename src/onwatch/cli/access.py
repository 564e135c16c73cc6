"""users, tokens, integrations, audit: accounts and credentials, from the operator's shell."""

from __future__ import annotations

import sys

import typer

from onwatch.audit.queries import list_entries
from onwatch.auth import actions as auth
from onwatch.auth.queries import list_users
from onwatch.cli.output import at_text, emit_items, table
from onwatch.cli.runtime import actor, open_database, reported, settings
from onwatch.core.clock import SystemClock
from onwatch.integrations import keys
from onwatch.integrations.specs import integration_specs

users = typer.Typer(no_args_is_help=True, help="Login accounts for the web UI.")
tokens = typer.Typer(no_args_is_help=True, help="API tokens (sent as Authorization: Bearer).")
integrations = typer.Typer(no_args_is_help=True, help="Integration keys for monitors.")


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("create")
def create_user(
    username: str = typer.Argument(..., help="Login name."),
    admin: bool = typer.Option(False, "--admin", help="Give the admin role."),
    role: str = typer.Option("responder", help="viewer, responder or admin."),
    person: str = typer.Option(None, help="Handle of the directory person this account is."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create a login account (the first admin: `onwatch users create NAME --admin`)."""
    password = _password(password_stdin)
    db = open_database(settings())
    with reported(), db.transaction() as session:
        auth.create_user(
            session,
            username=username,
            password=password,
            role="admin" if admin else role,
            person_handle=person,
            actor=actor(),
            now=SystemClock().now(),
        )
    typer.echo(f"created user {username}")


@users.command("list")
def list_accounts(as_json: bool = typer.Option(False, "--json")) -> None:
    """Login accounts with their role (never their passwords)."""
    db = open_database(settings())
    with db.read() as session:
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "person": u.person_handle,
                "disabled": u.disabled,
                "created_at": u.created_at,
            }
            for u in list_users(session)
        ]
    if as_json:
        emit_items(rows)
        return
    table(
        ["USERNAME", "ROLE", "PERSON", "STATE", "CREATED"],
        (
            [
                r["username"],
                r["role"],
                r["person"],
                "disabled" if r["disabled"] else "active",
                at_text(r["created_at"]),
            ]
            for r in rows
        ),
        empty="no users (create the first: onwatch users create NAME --admin)",
    )


@users.command("password")
def set_password(
    username: str,
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Set a new password for an account."""
    password = _password(password_stdin)
    db = open_database(settings())
    with reported(), db.transaction() as session:
        auth.set_password(
            session, username=username, password=password, actor=actor(), now=SystemClock().now()
        )
    typer.echo(f"password changed for {username}")


@tokens.command("create")
def create_token(
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. ci."),
    role: str = typer.Option(..., "--role", help="viewer, responder or admin."),
) -> None:
    """Create an API token and print it alone on stdout (it is shown only once)."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        issued = auth.create_token(
            session, name=name, role=role, actor=actor(), now=SystemClock().now()
        )
    typer.echo(issued.secret)


@tokens.command("list")
def list_tokens(as_json: bool = typer.Option(False, "--json")) -> None:
    """API tokens with their role and state (never the tokens themselves)."""
    db = open_database(settings())
    with db.read() as session:
        rows = [
            {
                "name": t.name,
                "role": t.role,
                "created_by": t.created_by,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in auth.list_tokens(session)
        ]
    if as_json:
        emit_items(rows)
        return
    table(
        ["NAME", "ROLE", "STATE", "CREATED", "BY", "LAST USED"],
        (
            [
                r["name"],
                r["role"],
                f"revoked {at_text(r['revoked_at'])}" if r["revoked_at"] else "active",
                at_text(r["created_at"]),
                r["created_by"],
                at_text(r["last_used_at"]) if r["last_used_at"] else "never",
            ]
            for r in rows
        ),
        empty="no tokens",
    )


@tokens.command("revoke")
def revoke_token(name: str) -> None:
    db = open_database(settings())
    with reported(), db.transaction() as session:
        auth.revoke_token(session, name=name, actor=actor(), now=SystemClock().now())
    typer.echo(f"revoked {name}")


@integrations.command("create")
def create_integration(
    name: str = typer.Option(..., "--name"),
    service: str = typer.Option(..., "--service", help="The service it feeds."),
    kind: str = typer.Option(
        ..., "--type", help="pagerduty, alertmanager, grafana, datadog, generic, heartbeat"
    ),
) -> None:
    """Create an integration key and print it alone on stdout (shown only once)."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        issued = keys.create_integration(
            session, name=name, service=service, kind=kind, actor=actor(), now=SystemClock().now()
        )
    typer.echo(issued.key)


@integrations.command("rotate")
def rotate_integration(name: str = typer.Argument(..., help="The integration's name.")) -> None:
    """Issue a new key for NAME and print it alone on stdout; the old key stops working."""
    db = open_database(settings())
    with reported(), db.transaction() as session:
        issued = keys.rotate_key(session, name=name, actor=actor(), now=SystemClock().now())
    typer.echo(issued.key)


@integrations.command("list")
def list_integrations(as_json: bool = typer.Option(False, "--json")) -> None:
    """Integrations with their service and wire format (never their keys)."""
    db = open_database(settings())
    with db.read() as session:
        rows = [spec.model_dump(mode="json") for spec in integration_specs(session)]
    if as_json:
        emit_items(rows)
        return
    table(
        ["NAME", "TYPE", "SERVICE", "ROUTES"],
        ([r["name"], r["type"], r["service"], len(r["routes"]) or ""] for r in rows),
        empty="no integrations",
    )


def audit(
    entity_type: str = typer.Option(None, "--type", help="person, team, service, token, …"),
    key: str = typer.Option(None, "--key", help="The entity's name or handle."),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the audit log, newest first."""
    db = open_database(settings())
    with db.read() as session:
        entries = list_entries(session, entity_type=entity_type, entity_key=key, limit=limit)
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_key": e.entity_key,
                "before": e.before,
                "after": e.after,
            }
            for e in entries
        ]
    if as_json:
        emit_items(rows)
        return
    table(
        ["AT", "ACTOR", "ACTION", "ENTITY"],
        (
            [at_text(r["at"]), r["actor"], r["action"], f"{r['entity_type']} {r['entity_key']}"]
            for r in rows
        ),
        empty="no audit entries",
    )
