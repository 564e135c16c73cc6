"""A regex that RE2 (Alertmanager's dialect) cannot run is refused where it is written, naming
its place: `onwatch silences add` and `onwatch apply` exit 3 and store nothing. Python's `re`
accepted these; matching them needs backtracking, which can take exponential time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from onwatch.alerts.models import Silence
from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch, database_state
from tests.adapters.cli.test_apply_command import errors, write

# A lookahead and a backreference: Python's re has them, RE2 and Go's regexp do not.
REFUSED = ["(?=prod)prod.*", "(a)\\1"]


@pytest.mark.parametrize("pattern", REFUSED)
def test_silences_add_refuses_a_pattern_re2_cannot_run(
    onwatch: Onwatch, db: Database, pattern: str
) -> None:
    result = onwatch("silences", "add", f"env=~{pattern}", "--for", "1h", "--reason", "r")

    assert result.exit_code == 3
    assert f"matchers[0]: invalid regular expression {pattern!r}" in result.stderr
    assert "RE2 syntax" in result.stderr
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Silence)) == 0


def test_apply_refuses_a_route_pattern_re2_cannot_run_with_its_place(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    before = database_state(db)
    config = """\
version: 1
services:
  - {name: reader}
integrations:
  - name: am
    service: reader
    type: alertmanager
    routes:
      - match: ['env=~"(?=prod)prod.*"']
        service: reader
"""
    result = onwatch("apply", "-f", write(tmp_path, config))

    assert result.exit_code == 3
    [problem, summary] = errors(result.stderr)
    assert problem.startswith(
        "integrations[0].routes[0].match: match[0]: invalid regular expression '(?=prod)prod.*'"
    ), problem
    assert problem.endswith("(line 9)")
    assert summary.startswith("nothing was changed")
    assert database_state(db) == before
