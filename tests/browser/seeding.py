"""A realistic organisation for looking at every page: two example playbooks applied as config,
plus what a busy night leaves behind (long names, long alert summaries with many labels, an
incident with a long timeline, overrides, silences, maintenance windows, a token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from onwatch.alerts import maintenance, responding, silences
from onwatch.alerts.events import AlertEvent, Link
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.models import Alert
from onwatch.auth import actions as auth
from onwatch.config.apply import apply
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.deploys.actions import DeploySpec, Watch, record
from onwatch.directory.queries import get_service
from onwatch.errors import actions as error_actions
from onwatch.errors import items as error_items
from onwatch.errors import keys as error_keys
from onwatch.errors.envelope import Envelope, Item
from onwatch.errors.models import ErrorIssue
from onwatch.incidents import queries as incident_queries
from onwatch.incidents.escalating import fire_due
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, write
from onwatch.schedules import actions as schedule_actions
from onwatch.schedules.specs import NewOverrideSpec
from tests.adapters.errors.envelopes import exception_event

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"
USERNAME = "zainab"  # an admin, tied to a person on the relay-on-call rotation

LONG_NAMES = """
version: 1
people:
  - handle: maximiliana
    name: Maximiliana Rodríguez-Vanderberg de la Fuente
    email: maximiliana.rodriguez-vanderberg@partners.example.org
    time_zone: Pacific/Chatham
    contact_methods:
      - {type: phone, address: "+64 3 305 0000 ext 7741", label: after-hours escalation line,
         url: "env:MAXIMILIANA_AFTER_HOURS_APPRISE_URL"}
      - {type: webhook, address: "https://hooks.example.org/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
         secret: "env:MAXIMILIANA_WEBHOOK_SECRET"}
      - {type: slack, address: U0MAXIMILIANARODRIGUEZ, label: partner workspace}
    notification_rules:
      high:
        - {contact: 2}
        - {contact: after-hours escalation line, after: 5m}
        - {contact: email, after: 1h30m}
teams:
  - name: claims-document-ingestion
    display_name: Claims document ingestion and optical character recognition (partner)
    members: [maximiliana, greta]
    tech_lead: maximiliana
    roles:
      incident_commander_for_partner_escalations: {person: maximiliana, backup: greta}
services:
  - name: claims-document-ingestion-and-ocr-pipeline-eu-west-1
    display_name: Claims document ingestion and OCR pipeline (EU West 1, primary region)
    description: >-
      Receives scanned claim documents from partner portals, runs optical character
      recognition, and publishes the extracted fields to the relay queue for downstream workers.
    team: claims-document-ingestion
    depends_on: [relay-queue, relay-api, cloud-hosting, container-registry]
    escalation_policy: claims-partner-paging-with-a-long-name
    runbooks:
      - title: OCR workers stuck on a poison document
        url: https://example.org/runbooks/claims-document-ingestion/ocr-workers-stuck-on-a-poison-document-and-how-to-quarantine-it
channels:
  - name: claims-partner-escalations-mailing-list
    type: email
    to: [claims-partner-escalations-and-after-hours-duty-managers@partners.example.org]
escalation_policies:
  - name: claims-partner-paging-with-a-long-name
    description: The relay rotation's primary, then the partner's incident commander and list.
    repeat: 1
    ack_timeout: 4h
    steps:
      - targets: [{schedule: relay-on-call, role: primary}]
        delay: 10m
      - targets:
          - {team: claims-document-ingestion, role: incident_commander_for_partner_escalations}
          - {channel: claims-partner-escalations-mailing-list}
        delay: 20m
"""


@dataclass(frozen=True)
class Seeded:
    """Ids of one of each thing a detail page shows."""

    incident: int  # the one with the long timeline
    alert: int
    schedule: str
    service: str
    team: str
    person: str
    error_issue: int
    deploy: int


def seed(db: Database, clock: FakeClock) -> Seeded:
    with db.transaction() as session:
        for text in (
            (EXAMPLES / "003-prod-squad.yaml").read_text(),
            (EXAMPLES / "004-platform-rotation.yaml").read_text(),
            LONG_NAMES,
        ):
            apply(session, load(text), prune=False, actor="test", now=clock.now())
        auth.create_user(
            session,
            username=USERNAME,
            password=PASSWORD,
            role="admin",
            person_handle="zainab",
            actor="test",
            now=clock.now(),
        )
        auth.create_token(
            session,
            name="grafana-alerts-production",
            role="responder",
            actor="user:zainab",
            now=clock.now(),
        )
        schedule_actions.add_override(
            session,
            "relay-on-call",
            NewOverrideSpec(
                covering="devendra",
                covered="zainab",
                start_at=clock.now() + timedelta(days=2),
                end_at=clock.now() + timedelta(days=4),
                reason="Conference travel: keynote at the regional platform engineering summit",
            ),
            actor="user:zainab",
            now=clock.now(),
        )
        silences.create_silence(
            session,
            silences.SilenceRequest(
                matchers=[
                    'service="claims-document-ingestion-and-ocr-pipeline-eu-west-1"',
                    'alertname=~"OcrWorkerQueueLatencyHigh|OcrWorkerMemoryPressure.*"',
                    'instance!~"ocr-worker-canary-.*"',
                ],
                duration=timedelta(hours=6),
                reason="Known noise while the OCR model is re-indexed, ticket OPS-4417",
            ),
            actor="user:zainab",
            now=clock.now(),
        )
        for service, start, length, message in [
            (
                "cloud-hosting",
                timedelta(0),
                timedelta(hours=3),
                "Cloud hosting is patching the database hosts in our region; document uploads may "
                "be slow and some claim letters will arrive late.",
            ),
            (
                "relay-db",
                timedelta(days=3),
                timedelta(hours=2),
                "Relay database upgrade: the partner portal is read-only during the window.",
            ),
        ]:
            maintenance.create_window(
                session,
                maintenance.MaintenanceRequest(
                    service=service,
                    starts_at=clock.now() + start,
                    duration=length,
                    message=message,
                ),
                actor="user:zainab",
                now=clock.now(),
            )
    long_service = "claims-document-ingestion-and-ocr-pipeline-eu-west-1"
    fire(
        db,
        clock,
        "relay-api",
        "critical",
        [
            (
                "RelayApiErrorBudgetBurn",
                "Relay API gateway 5xx ratio 14.2% over 5 minutes "
                "(SLO 99.9%): partner claim submissions are failing",
            ),
        ],
    )
    fire(
        db,
        clock,
        "docket-router",
        "warning",
        [
            ("DocketRouterSlowRoutes", "Docket routing p95 latency 9.4 s (threshold 8 s)"),
        ],
    )
    # The busy one: many alerts join one incident, each leaving a line on its timeline.
    for round_ in range(12):
        fire(
            db,
            clock,
            long_service,
            "error",
            [
                (
                    f"OcrWorkerQueueLatencyHigh{round_}",
                    f"OCR worker queue latency above 900 s on ocr-worker-{round_:02d}."
                    "claims-document-ingestion.svc.cluster.local (document batch "
                    f"2026-03-02T14:{round_:02d}:00Z-partner-upload-{round_:04d})",
                ),
            ],
        )
    with db.transaction() as session:
        # The engine's escalation step pages the first step; the second fires 10 minutes on.
        fire_due(session, clock.now())
        fire_due(session, clock.now() + timedelta(minutes=10))
        busy = incident_queries.list_incidents(session, service=long_service, status="open")
        incident = busy.items[0].incident.id
        # Deliveries in each state the incident page shows (the delivery stage sets these).
        rows = list(
            session.scalars(
                select(Notification)
                .where(Notification.incident_id == incident)
                .order_by(Notification.id)
            )
        )
        rows[0].state, rows[0].attempts, rows[0].sent_at = "sent", 1, clock.now()
        rows[1].state, rows[1].attempts = "sending", 2  # not recalled by the acknowledgement
        rows[1].rate_limited_until = clock.now() + timedelta(minutes=9)
        rows[1].last_error = (
            "429 Too Many Requests from smtp-relay.partners.example.org: rate limit of 30 "
            "messages per minute reached for claims-partner-escalations-and-after-hours"
        )
        rows[2].state, rows[2].attempts = "dead", 8
        rows[2].last_error = "550 5.1.1 mailbox unavailable: no such user here"
        responding.acknowledge_incident(session, incident, actor="user:zainab", now=clock.now())
        alert = session.scalar(select(func.max(Alert.id)))
        _outbox(session, incident, clock)
    return Seeded(
        incident=incident,
        alert=alert,
        schedule="prod-squad",
        service=long_service,
        team="claims-document-ingestion",
        person="maximiliana",
        error_issue=_error_issue(db, clock, long_service),
        deploy=_deploy(db, clock, long_service),
    )


def _deploy(db: Database, clock: FakeClock, service: str) -> int:
    """A deploy of the error issue's release just before its event, watched: one finding."""
    spec = DeploySpec(
        service=service, release="shop@2.0.0", deployed_at=clock.now() - timedelta(minutes=1),
        source="api", environment="production-eu-west-1-canary",
        deployer="release-automation-for-claims-document-ingestion-pipeline",
    )  # fmt: skip
    with db.transaction() as session:
        deploy = record(session, spec, clock.now())
        Watch()(session, clock.now())
        return deploy.id


def _error_issue(db: Database, clock: FakeClock, service: str) -> int:
    """An error issue with long names everywhere the issue page shows them, and sessions of a
    long-named release (one crashed) for the service's release health table."""
    event = exception_event(
        module="claims_document_ingestion.workers.ocr_pipeline_batch_scheduler",
        function="reschedule_partner_upload_batches_after_worker_memory_pressure",
        request={"url": "https://claims.example/api/v2/partner-uploads/2026-03-02/batches/"
                 "partner-upload-0042/documents?include=ocr-results,page-images"},
        tags={"partner_upload_batch_identifier": "partner-upload-0042-eu-west-1-canary"},
    )  # fmt: skip
    attrs = {
        "release": "claims-document-ingestion@2026.03.02-build.4411-canary",
        "environment": "production-eu-west-1-canary",
    }
    sessions = [
        {"sid": f"{n:032x}", "did": f"partner-user-{n}", "status": status, "attrs": attrs}
        for n, status in enumerate(("exited", "exited", "crashed"), start=1)
    ]
    items = [Item("event", {"type": "event"}, orjson.dumps(event))] + [
        Item("session", {"type": "session"}, orjson.dumps(s)) for s in sessions
    ]
    envelope = Envelope({}, items)
    events, counts = error_actions.parse_events(envelope)
    kept = error_items.read(envelope)
    with db.transaction() as session:
        key = error_keys.create_key(session, service=service, actor="test", now=clock.now())
        grant = error_keys.grant_for(session, key.public_key, key.service_id)
        error_actions.receive(
            session, grant, events, counts, peer=None, now=clock.now(), keep_samples=10, kept=kept
        )
        return session.scalar(select(func.max(ErrorIssue.id))) or 0


def fire(
    db: Database, clock: FakeClock, service: str, severity: str, alerts: list[tuple[str, str]]
) -> None:
    with db.transaction() as session:
        service_id = get_service(session, service).id
        events = [
            Routed(
                service_id,
                service,
                AlertEvent(
                    "trigger",
                    f'{{}}/{{severity="{severity}"}}:{{alertname="{name}", '
                    f'instance="{instance(name)}"}}',
                    summary=summary,
                    severity=severity,  # type: ignore[arg-type]
                    source="prometheus-eu-west-1",
                    labels={
                        "alertname": name,
                        "service": service,
                        "severity": severity,
                        "instance": instance(name),
                        "job": "kubernetes-service-endpoints",
                        "namespace": "claims-processing-production",
                    },
                    annotations={
                        "description": summary,
                        "runbook_url": "https://example.org/runbooks/" + name.lower(),
                    },
                    links=(
                        Link(
                            "https://grafana.example.org/d/abcdefghijklmnop/claims-processing"
                            "-overview?orgId=1&var-namespace=claims-processing-production",
                            "Grafana dashboard",
                        ),
                    ),
                ),
            )
            for name, summary in alerts
        ]
        ingest(session, events, integration_id=None, now=clock.advance(timedelta(minutes=7)))


def instance(alertname: str) -> str:
    return f"{alertname.lower()}-7f9d8b6c4-x2x9k.eu-west-1.compute.internal:9100"


def _outbox(session: Session, incident: int, clock: FakeClock) -> None:
    """Messages in every state the admin outbox page shows: a dead letter with a long error, one
    waiting out a rate limit, one sent."""
    now = clock.now()
    hook = "https://hooks.claims-document-ingestion.example.org/onwatch/incidents/notify"
    write(
        session,
        [
            Outgoing(
                key=f"seed:{n}", kind="channel", due_at=now, incident_id=incident,
                destination={"kind": "webhook", "url": hook}, label=label,
            )
            for n, label in enumerate([
                "claims-document-ingestion-partner-notifications (webhook)",
                "relay-oncall-ntfy (ntfy)",
                "ops-slack (slack)",
            ])
        ],
        now,
    )  # fmt: skip
    changes = {
        "seed:0": {
            "state": "dead", "attempts": 10,
            "last_error": f"{hook} answered 503: upstream connect error or disconnect/reset "
            "before headers. reset reason: connection termination (gave up after 10 tries)",
        },
        "seed:1": {"rate_limited_until": now + timedelta(minutes=4),
                   "due_at": now + timedelta(minutes=4)},
        "seed:2": {"state": "sent", "sent_at": now, "attempts": 1},
    }  # fmt: skip
    for key, values in changes.items():
        session.execute(
            update(Notification).where(Notification.idempotency_key == key).values(**values)
        )
