"""The GitHub issues sender on its own, against a GitHub-compatible tracker on loopback: the
documented request of each call, the answer kept, and the answers that are not worth a retry."""

from __future__ import annotations

from onwatch.channels.base import Destination, GiveUp, Retry, Sender, Sent
from onwatch.notifications.messages import Message
from tests.receivers import issue_tracker, receiving

REPOSITORY = "acme/incidents"
TOKEN = "ghp_senderTestToken"


def ticket(text: str = "Card payments failing", labels: tuple[str, ...] = ("incident",)) -> Message:
    return Message(
        key="ticket:1:incident:7:open", kind="ticket", urgency="low",
        title="[sev1] checkout: card payments failing", text=text, labels=labels,
    )  # fmt: skip


def test_an_issue_is_opened_with_the_documented_request_and_its_number_is_kept(
    senders: dict[str, Sender],
) -> None:
    with issue_tracker(REPOSITORY, TOKEN) as tracker:
        where = {"url": tracker.url.rstrip("/"), "repository": REPOSITORY, "token": TOKEN}
        labelled = ticket(labels=("incident", "P1", "P1"))
        outcome = senders["github"].send(labelled, Destination("github", where))
        comment = senders["github"].send(
            ticket("Acknowledged by ann"), Destination("github", {**where, "issue": 1})
        )
        [opened, commented] = tracker.take(2)
    assert isinstance(outcome, Sent)
    assert outcome.answer == {
        "number": 1,
        "html_url": f"{tracker.url}{REPOSITORY}/issues/1",
        "url": f"{tracker.url}repos/{REPOSITORY}/issues/1",
    }
    assert opened.json()["labels"] == ["incident", "P1"]  # each label once
    assert opened.headers["idempotency-key"] == "ticket:1:incident:7:open"
    assert isinstance(comment, Sent) and comment.answer == {}
    assert commented.json() == {"body": "Acknowledged by ann"}


def test_a_created_answer_without_a_number_is_given_up_rather_than_retried(
    senders: dict[str, Sender],
) -> None:
    with receiving() as server:
        server.answer((201, {"content-type": "application/json"}, b'{"id": 5}'))
        where = {"url": server.url, "repository": REPOSITORY, "token": TOKEN}
        outcome = senders["github"].send(ticket(), Destination("github", where))
        server.take(1)
    assert isinstance(outcome, GiveUp)
    assert "without an issue number" in outcome.why


def test_rate_limited_is_retried_after_the_trackers_wait_and_a_missing_token_is_given_up(
    senders: dict[str, Sender],
) -> None:
    with receiving() as server:
        server.answer((429, {"retry-after": "60"}, b'{"message": "API rate limit exceeded"}'))
        where = {"url": server.url, "repository": REPOSITORY, "token": TOKEN}
        outcome = senders["github"].send(ticket(), Destination("github", where))
        server.take(1)
    assert isinstance(outcome, Retry) and outcome.after is not None
    assert outcome.after.total_seconds() == 60
    tokenless = senders["github"].send(
        ticket(), Destination("github", {"url": server.url, "repository": REPOSITORY})
    )
    assert isinstance(tokenless, GiveUp) and "token" in tokenless.why
    bad_repository = senders["github"].send(
        ticket(), Destination("github", {"url": server.url, "repository": "x", "token": TOKEN})
    )
    assert isinstance(bad_repository, GiveUp)
