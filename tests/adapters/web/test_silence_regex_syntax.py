"""A silence regex that RE2 (Alertmanager's dialect) cannot run is refused when the silence is
made, naming the matcher: a 422 from the API, an error next to the silences form. Python's `re`
accepted these; matching them needs backtracking, which can take exponential time."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import Silence
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.security import csrf_token_for
from tests.adapters.web.test_pages import sign_in, text_of
from tests.conftest import bearer


def silences(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Silence))


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(?=prod)prod.*", "invalid perl operator at '(?='"),
        ("(?<!test-)db", "invalid perl operator at '(?<!'"),
        ("(a)\\1", "invalid escape sequence at '\\\\1'"),
    ],
)
def test_api_refuses_a_pattern_re2_cannot_run_naming_the_matcher(
    client: TestClient, tokens: dict[str, str], db: Database, pattern: str, words: str
) -> None:
    response = client.post(
        "/api/v1/silences",
        json={
            "matchers": ['app="reader"', {"name": "env", "op": "=~", "value": pattern}],
            "duration": "1h",
            "reason": "r",
        },
        headers=bearer(tokens["responder"]),
    )

    assert response.status_code == 422, response.text
    [field] = response.json()["error"]["fields"]
    assert field["field"] == "matchers[1]"
    assert field["message"].startswith(f"invalid regular expression {pattern!r}: {words}")
    assert field["message"].endswith("(RE2 syntax, as in Alertmanager)")
    assert silences(db) == 0


def test_silences_page_shows_the_refused_pattern_next_to_the_form(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    cookie = sign_in(client, db, clock, role="responder")
    form = {
        "csrf_token": csrf_token_for(cookie),
        "matchers": 'app="reader"\nenv=~"(?=prod)prod.*"',
        "duration": "1h",
        "ends_at": "",
        "starts_at": "",
        "reason": "r",
    }
    response = client.post("/silences", data=form)

    assert response.status_code == 422
    assert (
        "matchers, line 2: invalid regular expression '(?=prod)prod.*': invalid perl operator"
        in text_of(response.text)
    )
    assert silences(db) == 0
