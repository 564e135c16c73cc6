"""An error issue's merge, "ticket it", noise triage with a silence and sorting by impact, through
the API: responders only, bad input a 4xx naming the field with nothing changed, and
the ticket opened once on a GitHub-compatible tracker on loopback by the engine."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.engine.assembly import build_engine
from onwatch.errors import keys
from onwatch.tickets.models import Ticket, TicketTracker
from tests.adapters.channels.test_ticket_tracker import TOKEN, configure, tracker
from tests.adapters.errors.conftest import Project, add_project, issues
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.conftest import bearer
from tests.receivers import IssueTracker

__all__ = ["TOKEN", "tracker"]  # the fixture, and the token the CLI test sets


def send(client: TestClient, project: Project, function: str = "checkout") -> None:
    body = event_envelope(exception_event(function))
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 200, answer.text


def by_function(db: Database) -> dict[str, int]:
    return {i.culprit.rsplit(" ", 1)[-1]: i.id for i in issues(db)}


def tracked_project(db: Database, clock: FakeClock, api_url: str) -> Project:
    """checkout of team payments, whose tracker labels its tickets prod-alert (seed 003)."""
    configure(db, clock, api_url)
    with db.transaction() as session:
        session.execute(update(TicketTracker).values(labels=["prod-alert"]))
        key = keys.create_key(session, service="checkout", actor="test", now=clock.now())
        return Project("checkout", key.service_id, key.public_key)


def test_a_responder_merges_issues_of_one_service_by_api_and_not_across_services(
    db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str], project: Project
) -> None:
    for function in ("pay", "pay", "cart", "login"):
        send(client, project, function)
    send(client, add_project(db, clock, "blog"), "post")
    found = by_function(db)
    url = f"/api/v1/errors/issues/{found['pay']}/merge"
    body = {"issues": [found["cart"], found["login"]]}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=bearer(tokens["viewer"])).status_code == 403
    responder = bearer(tokens["responder"])
    across = client.post(url, json={"issues": [found["post"]]}, headers=responder)
    assert across.status_code == 422
    assert across.json()["error"]["fields"][0]["field"].endswith("issues")
    empty = client.post(url, json={"issues": []}, headers=responder)
    assert empty.status_code == 422 and "issues" in empty.text
    assert len(issues(db)) == 4

    merged = client.post(url, json=body, headers=responder)
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_from"] == [found["cart"], found["login"]]
    assert merged.json()["events"] == 4
    assert sorted(by_function(db)) == ["pay", "post"]
    send(client, project, "login")  # a merged hash: lands in the target
    assert client.get(url.rsplit("/", 1)[0], headers=responder).json()["events"] == 5
    gone = client.get(f"/errors/{found['cart']}", headers=responder, follow_redirects=False)
    assert (gone.status_code, gone.headers["location"]) == (303, f"/errors/{found['pay']}")


def test_ticket_it_opens_one_prod_alert_ticket_that_the_engine_sends_and_the_issue_links(
    db: Database, clock: FakeClock, client: TestClient, tokens: dict[str, str],
    settings: Settings, tracker: IssueTracker,
) -> None:  # fmt: skip
    project = tracked_project(db, clock, tracker.url)
    send(client, project)
    [issue] = issues(db)
    responder = bearer(tokens["responder"])
    # Noise: the engine's own ticketing leaves it out, so this ticket is the button's.
    noise = {"impact": "noise", "fix_in_code": True}
    triaged = client.post(f"/api/v1/errors/issues/{issue.id}/triage", json=noise,
                          headers=responder)  # fmt: skip
    assert triaged.status_code == 200, triaged.text
    url = f"/api/v1/errors/issues/{issue.id}/ticket"
    assert client.post(url, headers=bearer(tokens["viewer"])).status_code == 403
    first = client.post(url, headers=responder)
    assert first.status_code == 200, first.text
    assert [t["state"] for t in first.json()["tickets"]] == ["opening"]
    again = client.post(url, headers=responder)
    assert [t["id"] for t in again.json()["tickets"]] == [t["id"] for t in first.json()["tickets"]]

    engine = build_engine(
        db, clock, settings.model_copy(update={"base_url": "https://onwatch.example.org"}),
        handoff_notice=None,
    )  # fmt: skip
    assert engine.tick(clock.now()).failed == {}
    [opened] = tracker.take(1)
    assert opened.json()["labels"] == ["prod-alert"]
    assert f"/errors/{issue.id}\n" in opened.json()["body"]  # a link back to the issue
    [ticket] = client.get(url.rsplit("/", 1)[0], headers=responder).json()["tickets"]
    assert ticket["state"] == "open" and ticket["url"].endswith("/issues/1")
    client.post(url, headers=responder)
    assert engine.tick(clock.now()).failed == {}
    assert len(tracker.issues) == 1
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_ticket_without_a_tracker_is_a_conflict_with_nothing_stored(
    db: Database, client: TestClient, tokens: dict[str, str], project: Project
) -> None:
    send(client, project)
    [issue] = issues(db)
    refused = client.post(
        f"/api/v1/errors/issues/{issue.id}/ticket", headers=bearer(tokens["responder"])
    )
    assert refused.status_code == 409 and "no ticket tracker" in refused.text
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_noise_is_silenced_in_the_triage_and_a_silence_with_another_impact_is_refused(
    db: Database, client: TestClient, tokens: dict[str, str], project: Project
) -> None:
    send(client, project)
    [issue] = issues(db)
    url = f"/api/v1/errors/issues/{issue.id}/triage"
    responder = bearer(tokens["responder"])
    wrong = client.post(url, json={"impact": "annoying", "silence": {"events": 5}},
                        headers=responder)  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"][0]["field"] == "silence"
    bad = client.post(url, json={"impact": "noise", "silence": {"events": 0}}, headers=responder)
    assert bad.status_code == 422 and "events" in bad.json()["error"]["fields"][0]["field"]
    [untouched] = issues(db)
    assert (untouched.impact, untouched.status) == (None, "unresolved")

    done = client.post(url, json={"impact": "noise", "silence": {"events": 5}}, headers=responder)
    assert done.status_code == 200, done.text
    assert (done.json()["impact"], done.json()["status"]) == ("noise", "silenced")
    assert done.json()["silence"]["events"] == 5
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "error_issue")
        ).all()
    assert sorted(actions) == ["error_issue.silence", "error_issue.triage"]


def test_issues_sort_by_impact_urgent_first_untriaged_before_noise(
    db: Database, client: TestClient, tokens: dict[str, str], project: Project
) -> None:
    for function in ("a", "b", "c"):
        send(client, project, function)
    found = by_function(db)
    responder = bearer(tokens["responder"])
    for function, impact in (("a", "noise"), ("c", "annoying")):
        url = f"/api/v1/errors/issues/{found[function]}/triage"
        assert client.post(url, json={"impact": impact}, headers=responder).status_code == 200
    listed = client.get("/api/v1/errors/issues?sort=impact", headers=responder).json()
    assert [i["id"] for i in listed] == [found["c"], found["b"], found["a"]]
    page = client.get("/errors?sort=impact", headers=responder)
    assert page.status_code == 200
    order = [page.text.index(f'id="issue-{found[f]}"') for f in ("c", "b", "a")]
    assert order == sorted(order)
