"""The war room under load: on a database holding the seed 002 example organisation, times

    declaring an incident through the API (POST /api/v1/incidents with an Idempotency-Key,
    committed, its page written to the outbox) · adding a note (the API) · the incident's API
    detail and its page (HTML) once its timeline holds --notes entries · a stakeholder update
    (the template filled, one e-mail per subscriber written to the outbox) · the generated
    post-mortem draft (GET of the editor page on a fresh incident with that long timeline)

through the real app in process (FastAPI's TestClient: routing, auth, the transaction, the
template), and prints p50/p95/p99 per operation. Targets: every operation's p95 under 100 ms
on SQLite, the page of an incident with 500 timeline entries under 250 ms.

    .venv/bin/python bench/incidents.py [--declare 300] [--notes 500]
                                        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from scratch_db import scratch_database
from typer.testing import CliRunner

from onwatch.auth import actions as auth
from onwatch.cli.main import cli
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.migrations import runner
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from onwatch.web.security import SESSION_COOKIE

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "002-check-in.yaml"
SERVICE = "arrival-kiosk"


def timed(label: str, runs: int, call: Callable[[int], object]) -> None:
    took = []
    for n in range(runs):
        start = time.perf_counter()
        call(n)
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    p = statistics.quantiles(took, n=100) if len(took) > 1 else took * 99
    print(
        f"  {label:<48} n={runs:<5} p50 {p[49]:7.1f} ms  p95 {p[94]:7.1f} ms  p99 {p[98]:7.1f} ms"
    )


def ok(answer: object, status: int = 200) -> None:
    code = answer.status_code  # type: ignore[attr-defined]
    if code != status:
        raise SystemExit(f"unexpected answer {code}: {answer.text[:300]}")  # type: ignore[attr-defined]


def run(db: Database, declares: int, notes: int, scratch: Path) -> None:
    runner.upgrade(db)
    applied = CliRunner().invoke(
        cli, ["apply", "-f", str(EXAMPLE)], env={"ONWATCH_DATABASE_URL": db.url}
    )
    if applied.exit_code != 0:
        raise SystemExit(applied.output)
    clock = SystemClock()
    with db.transaction() as session:
        token = auth.create_token(
            session, name="bench", role="admin", actor="bench", now=clock.now()
        ).secret
        user = auth.create_user(
            session, username="bench", password="bench-password-1", role="admin", actor="bench",
            now=clock.now(),
        )  # fmt: skip
        started = auth.start_session(session, user, clock.now(), timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    ctx = AppContext(db=db, settings=Settings(data_dir=scratch), clock=clock)
    with TestClient(create_app(ctx)) as client:
        made: list[int] = []

        def declare(n: int) -> None:
            answer = client.post(
                "/api/v1/incidents",
                json={"service": SERVICE, "title": f"Check-in fails #{n}", "severity": "sev2"},
                headers={**headers, "Idempotency-Key": f"bench-{n}"},
            )
            ok(answer, 201)
            made.append(answer.json()["id"])

        timed("declare (API, Idempotency-Key)", declares, declare)
        busy = made[0]

        def add_note(n: int) -> None:
            ok(
                client.post(
                    f"/api/v1/incidents/{busy}/notes",
                    json={"text": f"Tried step {n}: restarted the kiosk gateway"},
                    headers=headers,
                ),
                201,
            )

        timed("note (API)", notes, add_note)
        timed(
            f"incident detail, {notes}+ entries (API)",
            50,
            lambda _: ok(client.get(f"/api/v1/incidents/{busy}", headers=headers)),
        )
        client.cookies.set(SESSION_COOKIE, started.cookie)
        timed(
            f"incident page, {notes}+ entries (HTML)",
            50,
            lambda _: ok(client.get(f"/incidents/{busy}")),
        )
        timed(
            "stakeholder update (API, e-mails to the outbox)",
            30,
            lambda n: ok(
                client.post(
                    f"/api/v1/incidents/{busy}/updates",
                    json={"status": f"Gateway restarted, watching ({n})"},
                    headers=headers,
                ),
                201,
            ),
        )
        fresh = iter(made[1:])
        timed(
            "post-mortem draft, first open (HTML)",
            min(30, len(made) - 1),
            lambda _: ok(client.get(f"/incidents/{next(fresh)}/postmortem")),
        )
        timed(
            f"post-mortem page, {notes}+ entries (HTML)",
            20,
            lambda _: ok(client.get(f"/incidents/{busy}/postmortem")),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--declare", type=int, default=300)
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    print(f"onwatch incidents bench on {'PostgreSQL' if args.postgres else 'SQLite'}")
    with (
        tempfile.TemporaryDirectory(prefix="onwatch-bench-data-") as scratch,
        scratch_database(args.postgres, "incidents") as db,
    ):
        run(db, args.declare, args.notes, Path(scratch))


if __name__ == "__main__":
    main()
