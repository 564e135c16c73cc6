"""`onwatch errors keys list|disable|rotate` as an operator types them: a rotation prints the new
DSN and leaves the old key working unless --disable-old; a disabled key no longer gets a grant;
an unknown key is named."""

from __future__ import annotations

import json

import pytest

from onwatch.core.db import Database
from onwatch.core.errors import Unauthorized
from onwatch.errors import keys
from tests.adapters.cli.conftest import Onwatch

BASE = {"ONWATCH_BASE_URL": "https://ow.example"}


@pytest.fixture
def shop(onwatch: Onwatch, tmp_path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    path = tmp_path / "org.yaml"
    path.write_text("services:\n  - {name: shop}\n")
    assert onwatch("apply", "-f", str(path)).exit_code == 0
    return json.loads(onwatch("errors", "dsn", "shop", "--json", env=BASE).stdout)


def _public_key(view: dict) -> str:  # type: ignore[type-arg]
    return str(view["dsn"]).split("://", 1)[1].split("@", 1)[0]


def _works(db: Database, view: dict) -> bool:  # type: ignore[type-arg]
    with db.read() as session:
        try:
            keys.grant_for(session, _public_key(view), view["project_id"])
        except Unauthorized:
            return False
    return True


def test_rotate_then_disable_from_the_shell(onwatch: Onwatch, db: Database, shop: dict) -> None:  # type: ignore[type-arg]
    rotated = onwatch("errors", "keys", "rotate", "--service", "shop", "--json", env=BASE)
    assert rotated.exit_code == 0, rotated.output
    graced = json.loads(rotated.stdout)
    assert [p["id"] for p in graced["previous"]] == [shop["id"]]
    assert _works(db, shop) and _works(db, graced["key"])

    plain = onwatch("errors", "keys", "rotate", "--service", "shop", "--disable-old", env=BASE)
    assert plain.exit_code == 0 and plain.stdout.strip().startswith("https://")
    assert not _works(db, shop) and not _works(db, graced["key"])

    listed = json.loads(onwatch("errors", "keys", "list", "--service", "shop", "--json").stdout)
    assert [bool(k["disabled_at"]) for k in listed["items"]] == [True, True, False]
    newest = listed["items"][-1]
    disabled = onwatch("errors", "keys", "disable", _public_key(newest))
    assert disabled.exit_code == 0 and f"DSN key {newest['id']} of shop disabled" in disabled.stdout
    assert not _works(db, newest)
    assert "DISABLED" in onwatch("errors", "keys", "list").stdout


def test_an_unknown_key_is_named(onwatch: Onwatch, shop: dict) -> None:  # type: ignore[type-arg]
    refused = onwatch("errors", "keys", "disable", "nope")
    assert refused.exit_code != 0 and "no DSN key 'nope'" in refused.output
    assert (
        json.loads(onwatch("errors", "keys", "list", "--json").stdout)["items"][0]["disabled_at"]
        is None
    )
