"""`onwatch serve` makes or checks the key of ack and resolve links before it says ready: on
PostgreSQL without ONWATCH_SECRET_KEY it makes the key file (0600) and warns that other hosts
would refuse its links; a key too short to be secret stops it with exit 3 and a sentence."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from onwatch.core.db import Database
from onwatch.core.signing import KEY_FILE
from tests.adapters.cli.serving import onwatch_env, serving

WARNING = "onwatch: warning: ONWATCH_SECRET_KEY is not set"


def test_serve_on_postgresql_without_the_shared_key_warns(
    tmp_path: Path, postgresql_db: Database
) -> None:
    with serving(tmp_path, "--no-engine", database_url=postgresql_db.url) as served:
        warned = [line for line in served.lines if WARNING in line]
        assert warned and "for every onwatch process on every host" in warned[0]
        # It signs with the key file it made, private to its owner.
        key_file = tmp_path / "data" / KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_short_secret_key_stops_serve_with_exit_3_and_a_sentence(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "onwatch.cli.main", "serve", "--no-engine", "--port", "0"],
        env=onwatch_env(tmp_path, secret_key="short"),
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 3
    assert "error: ONWATCH_SECRET_KEY: is 5 characters; use at least 32" in done.stderr
