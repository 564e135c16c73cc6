"""serve, engine, migrate: running onwatch."""

from __future__ import annotations

import errno
import gc
import logging
import secrets
import signal
import socket
import ssl
import threading
from datetime import timedelta
from typing import Any

import typer
import uvicorn
from sqlalchemy.engine import make_url

from onwatch.auth import actions as auth
from onwatch.cli.http_protocol import HttpLimits, limited_protocol
from onwatch.cli.runtime import fail, open_database, reported, settings
from onwatch.cli.workers import Child, Supervisor, WakeupPipe, listening_socket
from onwatch.core import wakeups
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database, normalize_url
from onwatch.core.settings import Settings
from onwatch.core.signing import is_shared, signing_key
from onwatch.engine.assembly import build_engine
from onwatch.migrations import runner
from onwatch.web.app import create_app
from onwatch.web.context import AppContext

app = typer.Typer(no_args_is_help=True)

CANNOT_LISTEN = 7  # exit code: the address is in use, or not one this machine can listen on


class _Server(uvicorn.Server):
    """Says "ready" once the socket listens: scripts and tests wait on a line, not a timer."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        if not self.should_exit:
            _say_ready(self.url)


def _say_ready(url: str) -> None:
    """The line scripts and tests wait for: the socket listens."""
    print(f"onwatch: ready at {url}", flush=True)


def _bootstrap_admin(db: Database, clock: SystemClock) -> str | None:
    """On a brand-new install, create `admin` with a random password and say it once."""
    with db.transaction() as session:
        if auth.has_any_user(session):
            return None
        password = secrets.token_urlsafe(12)
        auth.create_user(
            session,
            username="admin",
            password=password,
            role="admin",
            actor="system:bootstrap",
            now=clock.now(),
        )
    return password


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _shown(url: str) -> str:
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def run_server(
    *,
    engine: bool,
    host: str | None,
    port: int | None,
    migrate: bool | None,
    banner: list[str] | None = None,
    workers: int | None = None,
) -> None:
    config = settings()
    if host:
        config.host = host
    if port:
        config.port = port
    if workers:
        config.workers = workers
    _logging()
    _check_tls(config)
    if config.tls_cert_file:
        config.secure_cookies = True  # served over HTTPS only
    typer.echo(f"onwatch: database {_shown(config.resolved_database_url())}")
    sock = _listen(config)
    db = open_database(config, migrate=migrate)
    _check_signing_key(config, db)
    clock = SystemClock()
    processes = f", {config.workers} worker processes" if config.workers > 1 else ""
    typer.echo(
        f"onwatch: listening on {config.resolved_base_url()}"
        f" ({'with' if engine else 'without'} the engine{processes})"
    )
    password = _bootstrap_admin(db, clock)
    if password:
        typer.echo(
            f"onwatch: first start: log in as admin / {password} (shown once; "
            "change it with `onwatch users password admin`)"
        )
    for line in banner or []:
        typer.echo(line)
    collect_garbage_less_often()
    if config.workers > 1:
        db.dispose()  # each process opens its own connections; none may cross a fork
        _run_workers(config, sock, engine=engine)
        return
    # On PostgreSQL, intake's wake-ups also reach `onwatch engine` processes (core.wakeups).
    ctx = AppContext(db=db, settings=config, clock=clock, engine_wakeup=wakeups.event(db))
    stop = threading.Event()
    worker = _start_engine(db, clock, config, stop, ctx.engine_wakeup) if engine else None
    server = _Server(_uvicorn_config(create_app(ctx), config), config.resolved_base_url())

    def stopping(_number: int, _frame: object) -> None:
        # uvicorn stops on SIGINT and SIGTERM, then raises the signal again for the handler
        # before its own: this one, so that the engine is stopped and the database closed
        # below and serve exits 0. (Before uvicorn's handler is in place, it stops uvicorn.)
        server.should_exit = True

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stopping)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        stop.set()
        ctx.engine_wakeup.set()
        if worker:
            worker.join(timeout=10)
        db.dispose()


def collect_garbage_less_often() -> None:
    """Run the cycle collector after 50,000 new objects instead of Python's 700. A busy
    intake makes and drops several objects per alert, and each young-generation collection
    also brings the older ones due closer: with the default, collections took about a tenth
    of the time of storing Alertmanager's repeats. What startup built is moved out of their
    way. (The command line turns the collector off for short commands: this turns it on.)"""
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)
    gc.enable()


def _check_tls(config: Settings) -> None:
    """Refuse, with a sentence, TLS settings uvicorn would fail on in every process."""
    cert, key = config.tls_cert_file, config.tls_key_file
    if bool(cert) != bool(key):
        fail("set both ONWATCH_TLS_CERT_FILE and ONWATCH_TLS_KEY_FILE, or neither", 3)
    if not cert:
        return
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        fail(f"ONWATCH_TLS_CERT_FILE {cert} with ONWATCH_TLS_KEY_FILE {key}: {error}", 3)


def _check_signing_key(config: Settings, db: Database) -> None:
    """Make or read the key of ack and resolve links before saying ready (exit 3 with a
    sentence when it is unusable), and warn when processes on several hosts would each make
    their own: a link sent by one host's engine would then be refused by another's server."""
    with reported():
        signing_key(config)
    if db.dialect != "sqlite" and not is_shared(config):
        typer.echo(
            "onwatch: warning: ONWATCH_SECRET_KEY is not set, so ack and resolve links are "
            f"signed with the key file in {config.data_dir}; set the same ONWATCH_SECRET_KEY "
            "for every onwatch process on every host, or links made on one are refused on "
            "another",
            err=True,
        )


def _listen(config: Settings) -> socket.socket:
    """The listening socket, bound before anything says it listens."""
    address = f"{config.host}:{config.port}"
    try:
        return listening_socket(config.host, config.port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            fail(f"cannot listen on {address}: the address is in use", CANNOT_LISTEN)
        fail(f"cannot listen on {address}: {error.strerror or error}", CANNOT_LISTEN)
        raise  # fail() has raised already


def _uvicorn_config(asgi: Any, config: Settings) -> uvicorn.Config:
    limits = HttpLimits(
        max_header_bytes=config.max_header_bytes,
        header_timeout=config.header_timeout_seconds,
        body_timeout=config.body_timeout_seconds,
    )
    # Access lines are INFO, below log_level, so none is shown; without access_log uvicorn
    # also stops formatting each request's client and path for them. onwatch has no WebSocket.
    return uvicorn.Config(
        asgi,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        http=limited_protocol(limits),
        ws="none",
        ssl_certfile=config.tls_cert_file or None,
        ssl_keyfile=config.tls_key_file or None,
    )


def _handoff_notice(config: Settings) -> timedelta | None:
    minutes = config.handoff_notice_minutes
    return timedelta(minutes=minutes) if minutes else None


def _start_engine(
    db: Database,
    clock: SystemClock,
    config: Settings,
    stop: threading.Event,
    wakeup: threading.Event,
) -> threading.Thread:
    loop = build_engine(db, clock, config, handoff_notice=_handoff_notice(config))
    worker = threading.Thread(
        target=loop.run_forever,
        name="onwatch-engine",
        daemon=True,
        args=(stop, config.engine_interval_seconds, wakeup),
    )
    worker.start()
    return worker


def _run_workers(config: Settings, sock: socket.socket, *, engine: bool) -> None:
    """Several HTTP processes on one socket and the engine in one more, each started again
    when it dies (cli.workers); the workers wake the engine through a pipe."""
    wakeups = WakeupPipe()

    def serve_http() -> None:
        own = open_database(config, migrate=False)
        ctx = AppContext(
            db=own, settings=config, clock=SystemClock(), engine_wakeup=wakeups.event()
        )
        try:
            uvicorn.Server(_uvicorn_config(create_app(ctx), config)).run(sockets=[sock])
        finally:
            own.dispose()

    def run_engine() -> None:
        sock.close()
        own = open_database(config, migrate=False)
        stop, wakeup = threading.Event(), threading.Event()
        wakeups.relay(wakeup)

        def stopping(_number: int, _frame: object) -> None:
            stop.set()
            wakeup.set()

        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, stopping)
        try:
            _start_engine(own, SystemClock(), config, stop, wakeup).join()
        finally:
            own.dispose()
        if not stop.is_set():
            raise RuntimeError("the engine stopped by itself")

    children = [Child(f"worker {n}", serve_http) for n in range(1, config.workers + 1)]
    if engine:
        children.append(Child("engine", run_engine))
    status = Supervisor(children).run(lambda: _say_ready(config.resolved_base_url()))
    sock.close()
    if status:
        raise typer.Exit(1)


@app.command()
def serve(
    no_engine: bool = typer.Option(
        False, "--no-engine", help="HTTP only; run `onwatch engine` elsewhere."
    ),
    host: str = typer.Option(None, help="Listen address (default ONWATCH_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default ONWATCH_PORT or 8080)."),
    migrate: bool = typer.Option(
        None, "--migrate/--no-migrate", help="Apply migrations first (default: yes on SQLite)."
    ),
    workers: int = typer.Option(
        None,
        min=1,
        max=64,
        help="HTTP processes on one socket (default ONWATCH_WORKERS or 1); one per core "
        "for a busy intake.",
    ),
) -> None:
    """Run the HTTP server (API, UI, intake) and, unless --no-engine, the engine."""
    run_server(engine=not no_engine, host=host, port=port, migrate=migrate, workers=workers)


@app.command("engine")
def engine_command() -> None:
    """Run only the engine loop (escalations, deadlines, delivery). Several may run at once."""
    config = settings()
    _logging()
    typer.echo(f"onwatch engine: database {_shown(config.resolved_database_url())}")
    db = open_database(config)
    _check_signing_key(config, db)
    loop = build_engine(db, SystemClock(), config, handoff_notice=_handoff_notice(config))
    collect_garbage_less_often()
    stop, wakeup = threading.Event(), threading.Event()

    def stopping(_number: int, _frame: object) -> None:
        # The tick under way ends first: messages being sent are recorded, not left under a
        # lease another engine would wait out.
        stop.set()
        wakeup.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stopping)
    wakeups.listen(db, wakeup, stop)  # on PostgreSQL: woken when intake elsewhere writes work
    loop.run_forever(stop, config.engine_interval_seconds, wakeup)
    typer.echo("onwatch engine: stopped")
    db.dispose()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    db = open_database(settings(), migrate=True)
    state = "behind" if runner.pending(db) else "up to date"
    typer.echo(f"database {db.engine.url.render_as_string(hide_password=True)}: schema {state}")
