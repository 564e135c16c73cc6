"""The key onwatch signs links with (ack and resolve links in messages): ONWATCH_SECRET_KEY when
set, else a key file in the data directory, made once with mode 0600 and read ever after. It is
never stored in the database, so a copy of the database cannot make links."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from onwatch.core.errors import Invalid
from onwatch.core.settings import Settings

KEY_FILE = "secret_key"
MIN_KEY_CHARS = 32
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def signing_key(settings: Settings) -> bytes:
    """The key, from ONWATCH_SECRET_KEY or the data directory's key file (made if missing).
    Invalid, naming the setting, for a key too short to be secret or a key file that other
    users may read."""
    configured = settings.secret_key.get_secret_value()
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise Invalid(
                f"is {len(configured)} characters; use at least {MIN_KEY_CHARS} random ones, "
                f"for example from `{GENERATE}`",
                "ONWATCH_SECRET_KEY",
            )
        return configured.encode()
    return _key_file(settings.data_dir / KEY_FILE)


def is_shared(settings: Settings) -> bool:
    """Whether the key is set for every process (ONWATCH_SECRET_KEY) rather than kept in this
    machine's data directory."""
    return bool(settings.secret_key.get_secret_value())


def _key_file(path: Path) -> bytes:
    if not path.exists():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name (mkstemp makes it 0600), then linked into place: link()
    # fails when the key exists, so two processes starting at once keep one key, and neither
    # reads a half-written file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _read(path: Path) -> bytes:
    if path.stat().st_mode & 0o077:
        raise Invalid(
            f"{path} may be read by other users; make it private with `chmod 600 {path}`",
            "ONWATCH_DATA_DIR",
        )
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise Invalid(
            f"{path} holds no key (or too short a one); delete it and onwatch makes a new one "
            "(links sent before stop working)",
            "ONWATCH_DATA_DIR",
        )
    return key.encode()
