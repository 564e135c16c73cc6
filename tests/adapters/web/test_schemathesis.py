"""Schema fuzzing: schemathesis builds requests for every operation of /openapi.json, some that
fit the schema and some that break it, and sends them to the app on SQLite and on PostgreSQL,
with an admin token (intake with real integration keys, so bodies get stored). No answer may be
a 5xx, and every answer must be one the schema documents: its status, content type and body.

The examples are drawn from fixed seeds, so a run sends the same requests each time; the count
per operation bounds the time it takes (about 40 s of CPU per database)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.intake.stored import Keys
from tests.conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 10  # per operation, of each kind
SEED = 20260302
INTAKE = "/api/v1/intake/"


def _headers(case: schemathesis.Case, token: str, keys: Keys) -> dict[str, str]:
    """The headers to send `case` with, after putting a real integration key where an intake
    operation takes one (a generated key would only ever get a 401)."""
    path = case.operation.path
    if path.startswith("/v2/") and isinstance(case.body, dict):
        if isinstance(case.body.get("routing_key"), str) and case.body["routing_key"]:
            case.body["routing_key"] = keys["pagerduty"]
    elif path.startswith(INTAKE):
        kind = path.removeprefix(INTAKE).split("/")[0]
        if "key" not in (case.path_parameters or {}):
            return bearer(keys[kind])
        case.path_parameters["key"] = keys[kind]
    return bearer(token)


def test_every_operation_answers_as_documented_and_never_5xx(
    ctx: AppContext, tokens: dict[str, str], keys: Keys
) -> None:
    config = schemathesis.Config.from_dict({"seed": SEED})
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(ctx), config=config)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 80
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def send(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=_headers(case, tokens["admin"], keys), checks=CHECKS)

            try:
                send()
            except Unsatisfiable:
                pass  # nothing breaks this operation's schema: no parameters, or any string
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.label} ({mode}): {error}")
    assert not failures, "\n\n".join(failures)
