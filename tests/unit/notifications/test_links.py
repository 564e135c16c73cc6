"""Signed ack and resolve links: each is good for its one incident, person and action until it
expires; an edited token, another key, the other action's address or a later instant is refused
with a sentence."""

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


def test_links_for_gives_an_ack_and_a_resolve_link_for_the_incident_and_person() -> None:
    ack, resolve = links.links_for(BASE + "/", KEY, 12, 7, NOW, via="email")
    assert ack.startswith(f"{BASE}/l/ack/a.12.7.") and resolve.startswith(
        f"{BASE}/l/resolve/r.12.7."
    )
    # Short enough for an SMS and a chat button's URL.
    assert len(ack) < 100 and len(resolve) < 100
    claim = links.read(token_of(ack), KEY, action="acknowledge", now=NOW)
    assert claim == Claim("acknowledge", 12, 7, NOW + timedelta(hours=24), "email")
    assert links.read(token_of(resolve), KEY, action="resolve", now=NOW).action == "resolve"


def test_a_link_works_until_its_lifetime_ends_and_not_at_that_instant() -> None:
    ack, _ = links.links_for(BASE, KEY, 12, 7, NOW, lifetime=timedelta(hours=2))
    last = NOW + timedelta(hours=2) - timedelta(seconds=1)
    assert links.read(token_of(ack), KEY, action="acknowledge", now=last).incident_id == 12
    with pytest.raises(ExpiredLink, match="expired at 2026-03-02 16:00 UTC") as refused:
        links.read(token_of(ack), KEY, action="acknowledge", now=NOW + timedelta(hours=2))
    assert refused.value.expired_at == NOW + timedelta(hours=2)


@pytest.mark.parametrize(
    ("field", "value"),
    [(1, "13"), (2, "8"), (3, "1999999999"), (4, "ntfy")],
    ids=["other incident", "other person", "later expiry", "other via"],
)
def test_a_token_with_any_field_edited_is_forged(field: int, value: str) -> None:
    text = links.token(Claim("acknowledge", 12, 7, NOW + timedelta(hours=1), "email"), KEY)
    parts = text.split(".")
    parts[field] = value
    with pytest.raises(ForgedLink, match="changed, or was signed with a key"):
        links.read(".".join(parts), KEY, action="acknowledge", now=NOW)


def test_a_link_signed_with_another_key_is_forged() -> None:
    text = links.token(Claim("resolve", 12, 7, NOW + timedelta(hours=1)), KEY)
    with pytest.raises(ForgedLink):
        links.read(text, b"another key of forty characters, rotated", action="resolve", now=NOW)


def test_an_ack_link_at_the_resolve_address_is_the_wrong_action() -> None:
    text = links.token(Claim("acknowledge", 12, 7, NOW + timedelta(hours=1)), KEY)
    with pytest.raises(WrongAction, match="to acknowledge the incident, not to resolve it"):
        links.read(text, KEY, action="resolve", now=NOW)
    # The action letter is signed too: switching it makes a forgery, not a resolve link.
    with pytest.raises(ForgedLink):
        links.read("r" + text[1:], KEY, action="resolve", now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        "",
        ".",
        "a.12.7",
        "a" * 10_000,
        "a.12.7.1\x00.sig",
        "a.12.7.1.sïg",
        "....",
        "a.1.2.3.4.5.6.7",
    ],
    ids=["empty", "dot", "no signature", "huge", "NUL", "not ascii", "dots", "many fields"],
)
def test_what_is_not_a_token_is_refused_as_forged(text: str) -> None:
    with pytest.raises(ForgedLink):
        links.read(text, KEY, action="acknowledge", now=NOW)


def test_the_confirmation_form_token_is_bound_to_the_link_and_the_key() -> None:
    one = links.token(Claim("acknowledge", 12, 7, NOW), KEY)
    other = links.token(Claim("acknowledge", 13, 7, NOW), KEY)
    assert links.form_token(one, KEY) == links.form_token(one, KEY)
    assert links.form_token(one, KEY) != links.form_token(other, KEY)
    assert links.form_token(one, KEY) != links.form_token(one, b"x" * 40)
    # Never the link's own signature, which the URL shows.
    assert links.form_token(one, KEY) not in one


def test_channel_messages_link_to_the_incident_page() -> None:
    assert links.incident_url(BASE + "/", 12) == f"{BASE}/incidents/12"


def test_a_link_maker_holds_the_base_url_key_and_lifetime_a_renderer_needs() -> None:
    maker = links.LinkMaker(BASE, KEY, timedelta(hours=2))
    ack, resolve = maker.for_person(12, 7, NOW, via="ntfy")
    assert (ack, resolve) == links.links_for(
        BASE, KEY, 12, 7, NOW, lifetime=timedelta(hours=2), via="ntfy"
    )
    assert links.read(token_of(resolve), KEY, action="resolve", now=NOW).expires_at == (
        NOW + timedelta(hours=2)
    )
    assert maker.incident(12) == f"{BASE}/incidents/12"


def test_via_is_a_short_word() -> None:
    with pytest.raises(ValueError, match="short lowercase word"):
        links.token(Claim("acknowledge", 12, 7, NOW, "e.mail"), KEY)
