"""`bash scripts/start` installs onwatch only when pyproject.toml changed since the last install,
then starts it: run on a copy of the script, with a .venv whose python and onwatch record what
they were asked to do."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "start"
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$RECORDED"\n'


def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "onwatch"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts" / "start")
    (root / "pyproject.toml").write_text('[project]\nname = "onwatch"\nversion = "0.1.0"\n')
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "onwatch"):
        (bin_dir / tool).write_text(RECORDER)
        (bin_dir / tool).chmod(0o755)
    return root


def start(root: Path, log: Path) -> list[str]:
    """Run scripts/start once; what the .venv's python and onwatch were asked to do."""
    before = log.read_text().splitlines() if log.exists() else []
    subprocess.run(
        ["bash", str(root / "scripts" / "start"), "--port", "8099"],
        check=True,
        env={"PATH": "/usr/bin:/bin", "RECORDED": str(log)},
    )
    return log.read_text().splitlines()[len(before) :]


def test_start_installs_once_and_again_only_when_pyproject_changes(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    log = tmp_path / "recorded"
    install = "python -m pip install -q --disable-pip-version-check -e ."
    serve = "onwatch serve --port 8099"

    assert start(root, log) == [install, serve]
    assert start(root, log) == [serve]
    (root / "pyproject.toml").write_text(
        '[project]\nname = "onwatch"\nversion = "0.2.0"\ndependencies = ["httpx"]\n'
    )
    assert start(root, log) == [install, serve]
    assert start(root, log) == [serve]
