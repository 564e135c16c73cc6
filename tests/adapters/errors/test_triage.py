"""Triage of an error issue by API and page: responders only, the impact named when it is wrong,
noise marked to be fixed in code, and an urgent impact opening one sev1 incident per issue on the
issue's service; a service's error_rules pre-set the impact of a new issue at intake."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.errors import rules
from onwatch.incidents.models import Incident
from onwatch.web.security import csrf_token_for
from tests.adapters.errors.conftest import Project, issues
from tests.adapters.errors.envelopes import auth, event_envelope, exception_event
from tests.adapters.web.test_pages import sign_in, text_of
from tests.conftest import bearer


def _send(client: TestClient, project: Project, **event: object) -> None:
    body = event_envelope(exception_event(**event))  # type: ignore[arg-type]
    answer = client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )
    assert answer.status_code == 200, answer.text


def _incidents(db: Database) -> list[Incident]:
    with db.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_triage_needs_a_responder_names_a_bad_impact_and_opens_one_incident(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str],
    clock: FakeClock,
) -> None:  # fmt: skip
    _send(client, project)
    [issue] = issues(db)
    url = f"/api/v1/errors/issues/{issue.id}/triage"
    assert client.post(url, json={"impact": "noise"}).status_code == 401
    viewer = bearer(tokens["viewer"])
    assert client.post(url, json={"impact": "noise"}, headers=viewer).status_code == 403
    responder = bearer(tokens["responder"])
    refused = client.post(url, json={"impact": "scary"}, headers=responder)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"].endswith("impact")
    missing = client.post("/api/v1/errors/issues/999/triage", json={"impact": "noise"},
                          headers=responder)  # fmt: skip
    assert missing.status_code == 404

    noise = client.post(url, json={"impact": "noise", "fix_in_code": True}, headers=responder)
    assert noise.status_code == 200, noise.text
    assert (noise.json()["impact"], noise.json()["fix_in_code"]) == ("noise", True)
    assert noise.json()["incident_id"] is None and _incidents(db) == []

    urgent = client.post(url, json={"impact": "data_corrupting"}, headers=responder).json()
    [incident] = _incidents(db)
    assert urgent["incident_id"] == incident.id and urgent["fix_in_code"] is False
    assert (incident.severity, incident.title) == (
        "sev1", "Error data-corrupting: ValueError: order 1234 not found",
    )  # fmt: skip
    assert f"/errors/{issue.id}" in (incident.summary or "")
    assert urgent["impact_by"] and urgent["impact_at"]
    again = client.post(url, json={"impact": "work_stopping"}, headers=responder).json()
    assert again["incident_id"] == incident.id and len(_incidents(db)) == 1  # once per issue
    with db.read() as session:
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "error_issue")
        ).all()
    assert audited.count("error_issue.triage") == 3


def test_a_responder_triages_from_the_issue_page(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    _send(client, project)
    [issue] = issues(db)
    csrf = csrf_token_for(sign_in(client, db, clock, role="responder"))
    refused = client.post(f"/errors/{issue.id}/triage", data={"impact": "", "csrf_token": csrf})
    assert refused.status_code == 422 and "impact: must be one of" in text_of(refused.text)
    done = client.post(
        f"/errors/{issue.id}/triage", data={"impact": "annoying", "csrf_token": csrf}
    )
    assert done.status_code == 200 and "Impact annoying" in text_of(done.text)
    assert client.post(f"/errors/{issue.id}/triage", data={"impact": "noise"}).status_code == 403
    [issue] = issues(db)
    assert issue.impact == "annoying"


def test_a_services_rules_preset_the_impact_of_a_new_issue(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    spec = rules.ErrorRulesSpec.model_validate({
        "service": project.service,
        "rules": [
            {"match": {"tag": "browser=bot"}, "impact": "noise"},
            {"match": {"exception": "OSError"}, "impact": "work_stopping"},
            {"match": {"message": "order \\d+ not found"}, "impact": "annoying"},
        ],
    })  # fmt: skip
    with db.transaction() as session:
        [change] = rules.put_rules(session, [spec], actor="test", now=clock.now())
        assert change is not None
    _send(client, project)
    _send(client, project, function="other", tags={"browser": "bot"})
    _send(client, project, exception={"values": [{"type": "OSError", "value": "disk"}]})
    _send(client, project, function="third", exception={"values": [{"type": "KeyError"}]})
    found = [(i.title, i.impact, i.impact_by, i.incident_id is not None) for i in issues(db)]
    assert found == [
        ("ValueError: order 1234 not found", "annoying", "rule:checkout", False),
        # The same message from another call site, tagged: the tag rule comes first.
        ("ValueError: order 1234 not found", "noise", "rule:checkout", False),
        ("OSError: disk", "work_stopping", "rule:checkout", True),
        ("KeyError", None, None, False),
    ]
    [incident] = _incidents(db)
    assert incident.severity == "sev1"
