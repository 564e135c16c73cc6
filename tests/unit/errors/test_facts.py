"""Who an event hit and where, read from literal Sentry payloads."""

from __future__ import annotations

from onwatch.errors.facts import facts_of


def test_the_user_is_their_id_else_email_username_or_ip() -> None:
    assert facts_of({"user": {"id": 7, "email": "a@b.example"}}, None).user_key == "id:7"
    assert facts_of({"user": {"email": "a@b.example"}}, None).user_key == "email:a@b.example"
    assert facts_of({"user": {"ip_address": "203.0.113.5"}}, None).user_key == "ip:203.0.113.5"
    assert facts_of({}, "198.51.100.1").user_key is None


def test_auto_ip_is_the_sender_and_a_server_sdk_gives_the_client_s_remote_addr() -> None:
    assert facts_of({"user": {"ip_address": "{{auto}}"}}, "198.51.100.1").ip == "198.51.100.1"
    server = {"request": {"env": {"REMOTE_ADDR": "2001:db8::1"}, "url": "https://a.example/x"}}
    found = facts_of(server, "10.0.0.9")
    assert (found.ip, found.url) == ("2001:db8::1", "https://a.example/x")
    assert facts_of({"user": {"ip_address": "not an ip"}}, None).ip is None


def test_levels_releases_and_tags_are_read_as_sent_and_bounded() -> None:
    found = facts_of(
        {"level": "fatal", "release": "r" * 300, "tags": [["a", 1], ["b", "x"], "junk"]}, None
    )
    assert (found.level, len(found.release or "")) == ("fatal", 200)
    assert found.tags == [("a", "1"), ("b", "x")]
    assert facts_of({"level": "loud", "tags": {"k": "v"}}, None).level == "error"
    assert facts_of({"tags": {"k": "v"}}, None).tags == [("k", "v")]
