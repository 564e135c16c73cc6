"""Signed accept and decline links of a responder request: each answers one incident's request
for one person, only at its own address, until it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from onwatch.notifications import links
from onwatch.notifications.links import Claim, ExpiredLink, ForgedLink, WrongAction

KEY = b"k" * 40
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
BASE = "https://onwatch.example.org"


def token_of(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[1]


def test_a_request_gives_an_accept_and_a_decline_link_for_the_incident_and_person() -> None:
    accept, decline = links.LinkMaker(BASE, KEY).for_request(12, 7, NOW, via="email")
    assert accept.startswith(f"{BASE}/l/accept/j.12.7.")
    assert decline.startswith(f"{BASE}/l/decline/d.12.7.")
    expires = NOW + timedelta(hours=24)
    assert links.read(token_of(accept), KEY, action="accept", now=NOW) == Claim(
        "accept", 12, 7, expires, "email"
    )
    assert links.read(token_of(decline), KEY, action="decline", now=NOW).action == "decline"


def test_an_accept_link_does_not_decline_acknowledge_or_outlive_its_lifetime() -> None:
    accept, _ = links.LinkMaker(BASE, KEY, timedelta(hours=1)).for_request(12, 7, NOW)
    with pytest.raises(WrongAction):
        links.read(token_of(accept), KEY, action="decline", now=NOW)
    with pytest.raises(WrongAction):
        links.read(token_of(accept), KEY, action="acknowledge", now=NOW)
    with pytest.raises(ExpiredLink):
        links.read(token_of(accept), KEY, action="accept", now=NOW + timedelta(hours=1))


def test_an_accept_link_edited_to_name_another_person_is_forged() -> None:
    accept, _ = links.LinkMaker(BASE, KEY).for_request(12, 7, NOW)
    edited = token_of(accept).replace(".12.7.", ".12.8.")
    with pytest.raises(ForgedLink):
        links.read(edited, KEY, action="accept", now=NOW)
