"""The key that signs ack and resolve links: ONWATCH_SECRET_KEY when set; else a key file made
once in the data directory, private to its owner (0600) and the same on every later start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from onwatch.core.errors import Invalid
from onwatch.core.settings import Settings
from onwatch.core.signing import KEY_FILE, is_shared, signing_key


def test_without_the_setting_a_key_file_is_made_once_with_mode_0600_and_reused(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"  # not there yet: made too
    first = signing_key(Settings(data_dir=data))
    key_file = data / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert first == key_file.read_text().strip().encode()
    written = key_file.stat().st_mtime_ns
    assert signing_key(Settings(data_dir=data)) == first
    assert key_file.stat().st_mtime_ns == written
    assert sorted(p.name for p in data.iterdir()) == [KEY_FILE]  # no temporary file left
    assert not is_shared(Settings(data_dir=data))


def test_the_setting_is_the_key_and_no_file_is_made(tmp_path: Path) -> None:
    secret = "s" * 40
    config = Settings(data_dir=tmp_path, secret_key=SecretStr(secret))
    assert signing_key(config) == secret.encode() and is_shared(config)
    assert not (tmp_path / KEY_FILE).exists()


def test_a_short_setting_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="ONWATCH_SECRET_KEY: is 6 characters; use at least 32"):
        signing_key(Settings(data_dir=tmp_path, secret_key=SecretStr("secret")))


def test_a_key_file_others_may_read_is_refused_with_the_command_that_fixes_it(
    tmp_path: Path,
) -> None:
    signing_key(Settings(data_dir=tmp_path))
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(Invalid, match=r"may be read by other users; .*`chmod 600 "):
        signing_key(Settings(data_dir=tmp_path))


def test_an_empty_key_file_is_refused_rather_than_signing_with_nothing(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("")
    (tmp_path / KEY_FILE).chmod(0o600)
    with pytest.raises(Invalid, match="holds no key"):
        signing_key(Settings(data_dir=tmp_path))
