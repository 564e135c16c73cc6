"""Health, readiness, metrics and the OpenAPI description."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from onwatch.core.settings import Settings
from tests.conftest import bearer


def test_healthz_needs_no_credential(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_readyz_reports_the_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_metrics_count_requests_by_route_template(client: TestClient,
                                                  tokens: dict[str, str]) -> None:
    client.get("/api/v1/people/nobody", headers=bearer(tokens["viewer"]))
    text = client.get("/metrics").text
    assert ('onwatch_http_requests_total{method="GET",route="/api/v1/people/{name}",'
            'status="404"} 1.0') in text
    assert "onwatch_http_request_seconds_bucket" in text


def test_openapi_describes_the_directory(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/services/{name}/responsibility" in spec["paths"]
    assert "PersonSpec" in spec["components"]["schemas"]


def test_responsibility_names_team_tech_lead_and_roles(client: TestClient,
                                                       tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    for handle in ("ann", "bob", "cy"):
        client.post("/api/v1/people", json={"handle": handle, "name": handle.title(),
                                            "email": f"{handle}@example.org"}, headers=admin)
    client.post("/api/v1/teams", json={
        "name": "foxes", "members": ["ann", "bob"], "tech_lead": "ann",
        "roles": {"product_owner": {"person": "cy", "backup": "bob"}}}, headers=admin)
    client.post("/api/v1/services", json={"name": "upstream-db", "controlled": False},
                headers=admin)
    client.post("/api/v1/services", json={"name": "reader", "team": "foxes",
                                          "depends_on": ["upstream-db"]}, headers=admin)
    client.post("/api/v1/services", json={"name": "certify", "team": "foxes",
                                          "tech_lead": "bob"}, headers=admin)

    reader = client.get("/api/v1/services/reader/responsibility", headers=admin).json()
    assert (reader["team"], reader["tech_lead"], reader["tech_lead_from"]) == (
        "foxes", "ann", "team")
    assert reader["roles"] == [{"role": "product_owner", "person": "cy", "backup": "bob"}]
    assert reader["depends_on"] == ["upstream-db"]
    certify = client.get("/api/v1/services/certify/responsibility", headers=admin).json()
    assert (certify["tech_lead"], certify["tech_lead_from"]) == ("bob", "service")
    upstream = client.get("/api/v1/services/upstream-db/responsibility", headers=admin).json()
    assert upstream["controlled"] is False
    assert upstream["dependents"] == ["reader"]


def test_metrics_with_a_token_set_need_it_as_a_bearer_credential(
    client: TestClient, settings: Settings, tokens: dict[str, str]
) -> None:
    settings.metrics_token = SecretStr("scrape-3f9a")
    client.get("/healthz")
    wrong = [{"Authorization": "Bearer scrape-3f9b"}, {"Authorization": "scrape-3f9a"}]
    for headers in ({}, *wrong, bearer(tokens["admin"])):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["error"]["code"] == "unauthorized"
        assert "onwatch_http_requests_total" not in refused.text
    scraped = client.get("/metrics", headers={"Authorization": "Bearer scrape-3f9a"})
    assert scraped.status_code == 200
    assert 'route="/healthz",status="200"} 1.0' in scraped.text
    assert 'route="/metrics",status="401"} 4.0' in scraped.text
