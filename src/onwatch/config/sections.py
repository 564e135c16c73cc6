"""The sections of a config file, in the order they are applied. Each later capability adds
its section here (calendars, schedules, escalation policies, integrations, channels, …)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.alerts import heartbeats, metrics_rules, policies
from onwatch.calendars import actions as calendar_actions
from onwatch.calendars import queries as calendar_queries
from onwatch.calendars.specs import CalendarSpec
from onwatch.channels import specs as channels
from onwatch.config import people
from onwatch.config.ordering import cycles, dependencies_first
from onwatch.core.changes import Change, Outcome
from onwatch.core.errors import FieldError, Invalid
from onwatch.deploys.config import deploy_watch_sections
from onwatch.directory import actions as directory
from onwatch.directory import rows as directory_rows
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec
from onwatch.errors.digest_config import error_digest_sections
from onwatch.errors.health.rules import health_rule_sections
from onwatch.errors.rules import error_rule_sections
from onwatch.escalation import policies as escalation_policies
from onwatch.escalation.specs import PolicySpec
from onwatch.incidents import report_forms, role_config, severity_levels
from onwatch.incidents.postmortem_config import postmortem_rule_sections
from onwatch.integrations import specs as integrations
from onwatch.notifications import limits as rate_limits
from onwatch.schedules import actions as schedule_actions
from onwatch.schedules import queries as schedule_queries
from onwatch.schedules.specs import ScheduleSpec
from onwatch.stakeholders import lists as stakeholder_lists
from onwatch.stakeholders.policy import StakeholdersSpec
from onwatch.tickets import config as ticket_config

# {file index: problems, relative to the item}; an item listed with no problems is skipped
# quietly (another item of the same problem carries the message).
Problems = dict[int, list[FieldError]]


@dataclass(frozen=True)
class Section:
    key: str  # the YAML key, plural: "people"
    kind: str  # one item, as changes and errors name it: "person"
    spec: type[BaseModel]
    key_field: str  # the field that names an item: "handle"
    current: Callable[[Session], list[Any]]
    # (session, specs, *, actor, now) -> one Outcome per spec, in order: every item of the
    # section at once, so that stored rows are read once per section, not once per item.
    put: Callable[..., list[Outcome]]
    delete: Callable[..., Change]  # (session, key, *, actor, now)
    summary: str = ""  # one paragraph for the reference documentation
    example: str = ""  # YAML for the reference; a test applies it
    # The order to put items in (for references inside the section), given them all; reversed,
    # the order to delete them in.
    order: Callable[[list[Any]], list[int]] | None = None
    # Problems that only show across items and stored rows (a dependency cycle), found before
    # anything is written: (session, [(file index, spec)]) -> Problems.
    check: Callable[[Session, list[tuple[int, Any]]], Problems] | None = None
    # Warnings about the declared items once everything is written (a schedule with nobody on
    # call): (session, specs, now) -> sentences `apply` prints; they do not stop it.
    warn: Callable[[Session, list[Any], datetime], list[str]] | None = None
    # References to items of later sections (a service's escalation policy), checked once
    # every section is written: (session, [(file index, spec)]) -> Problems.
    verify: Callable[[Session, list[tuple[int, Any]]], Problems] | None = None

    def key_of(self, spec: Any) -> str:
        return str(getattr(spec, self.key_field))


def each(put: Callable[..., Change | None]) -> Callable[..., list[Outcome]]:
    """A section's put for a domain that writes one item at a time (sections of a few dozen)."""

    def put_each(session: Session, specs: list[Any], *, actor: str, now: datetime) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for spec in specs:
            try:
                outcomes.append(put(session, spec, actor=actor, now=now))
            except Invalid as error:
                outcomes.append(error)
        return outcomes

    return put_each


def _services(session: Session) -> list[ServiceSpec]:
    return [s.spec for s in directory_rows.stored_services(session).values()]


def _teams(session: Session) -> list[TeamSpec]:
    return [t.spec for t in directory_rows.stored_teams(session).values()]


def _people(session: Session) -> list[PersonSpec]:
    return [p.spec for p in directory_rows.stored_people(session).values()]


def service_paging(session: Session, items: list[tuple[int, ServiceSpec]]) -> Problems:
    """Each service's escalation policy and calendar exist (declared anywhere in the file)."""
    problems: Problems = {}
    for index, spec in items:
        found = escalation_policies.service_reference_problems(
            session, spec.escalation_policy, spec.calendar
        )
        if found:
            problems[index] = found
    return problems


def services_dependencies_first(specs: list[ServiceSpec]) -> list[int]:
    return dependencies_first([s.name for s in specs], {s.name: s.depends_on for s in specs})


def service_cycles(session: Session, items: list[tuple[int, ServiceSpec]]) -> Problems:
    """Dependency cycles among the declared services and the stored ones they reach."""
    declared = {spec.name: index for index, spec in items}
    # Declared services first, in file order, so a cycle is named from the file's point of view.
    needs = {spec.name: list(spec.depends_on) for _, spec in items}
    for name, depends_on in directory_rows.dependency_graph(session).items():
        needs.setdefault(name, depends_on)
    problems: Problems = {}
    for cycle in cycles(needs):
        members = [declared[name] for name in cycle if name in declared]
        if not members:
            continue
        path = " → ".join([*cycle, cycle[0]])
        for index in members:
            problems.setdefault(index, [])
        problems[min(members)].append(FieldError("depends_on", f"dependency cycle: {path}"))
    return problems


PEOPLE_EXAMPLE = """\
people:
  - handle: ann
    name: Ann Example
    email: ann@example.org
    time_zone: America/New_York
    contact_methods:
      - {type: ntfy, address: "https://ntfy.example.org/ann-pager-9f2c", label: phone push}
      - {type: sms, address: "+15555550100", label: work phone, url: "env:ANN_TWILIO_URL"}
    notification_rules:
      high:
        - {contact: phone push, after: 0m}
        - {contact: email, after: 2m}
        - {contact: work phone, after: 5m}
      low:
        - {contact: email}
  - handle: raj
    name: Raj Example
    email: raj@example.org
"""

TEAMS_EXAMPLE = """\
teams:
  - name: payments
    display_name: Payments
    members: [ann, raj]
    tech_lead: ann
    roles:
      product_owner: {person: raj, backup: ann}
"""

SERVICES_EXAMPLE = """\
services:
  - name: checkout
    team: payments
    public: true
    depends_on: [card-gateway]
    runbooks:
      - {title: Checkout is down, url: "https://example.org/runbooks/checkout"}
  - name: card-gateway
    description: The card processor's API; we do not run it.
    controlled: false
"""

INTEGRATIONS_EXAMPLE = """\
integrations:
  - name: prometheus
    service: checkout
    type: alertmanager
    routes:
      - {match: {app: card-gateway}, service: card-gateway}
  - name: ci-deploys
    service: checkout
    type: pagerduty
    rate_limit: 120
"""

CALENDARS_EXAMPLE = """\
calendars:
  - name: business-hours
    time_zone: America/New_York
    hours:
      - {days: mon-fri, opens: "07:00", closes: "20:00"}
    holidays: US
    closed_dates: [2026-12-24]
    ack_deadlines: {inside_hours: 15m, outside_hours: 60m}
"""

CHANNELS_EXAMPLE = """\
channels:
  - {name: ops-slack, type: slack, url: "env:OPS_SLACK_WEBHOOK"}
  - {name: ops-teams, type: teams, url: "env:OPS_TEAMS_WORKFLOW_URL"}
  - {name: ops-mail, type: email, to: [ops@example.org]}
  - name: audit-hook
    type: webhook
    url: https://hooks.example.org/onwatch
    secret: env:HOOK_SECRET
  - {name: pager, type: ntfy, url: "https://ntfy.example.org/oncall-pager", token: "env:NTFY_TOKEN"}
  - name: chat
    type: apprise
    url: file:/run/secrets/chat-apprise-url
    rate_limit: {max: 30, per: 1m}
"""

RATE_LIMITS_EXAMPLE = """\
rate_limits:
  - {kind: email, max: 10, per: 1m}
  - {kind: slack, max: 1, per: 1s}
"""

SCHEDULES_EXAMPLE = """\
schedules:
  - name: payments-oncall
    time_zone: America/New_York
    services: [checkout]
    layers:
      - name: sprint pair
        members: [ann, raj]
        shift_length: 2w
        handoff_time: "10:00"
        start_date: 2026-01-07
        roles: [primary, secondary]
    overrides:
      - covering: raj
        covered: ann
        start_at: 2026-02-02T09:00:00-05:00
        end_at: 2026-02-03T09:00:00-05:00
        reason: dentist
"""

ALERTING_EXAMPLE = """\
alerting:
  - service: checkout
    grouping: {mode: labels, labels: [alertname]}
    auto_resolve: true
"""

HEARTBEATS_EXAMPLE = """\
heartbeats:
  - name: nightly-settlement
    service: checkout
    interval: 1d
    grace: 30m
"""

SEVERITIES_EXAMPLE = """\
severities:
  - {code: sev1, name: Critical, description: "Production down or data at risk: page at once."}
  - {code: sev2, name: Major}
"""

SLI_RULES_EXAMPLE = """\
sli_rules:
  - service: checkout
    rules:
      - {name: card-gateway-breaker, kind: breaker}
      - {name: slow-responses, kind: latency, percentile: p95, above: 8, for: 5m}
      - {name: error-rate, kind: error_rate, above_percent: 5, min_requests: 100, window: 5m}
"""

STAKEHOLDERS_EXAMPLE = """\
stakeholders:
  - team: payments
    subscribers: [payments-leads@example.org, support@example.org]
    services:
      checkout: [shop-owners@example.org]
    update_every: {sev1: 30m, sev2: 1h}
    first_update: {severities: [sev1], within: 24h, remind_before: 2h}
    templates:
      subject: "{{ application }} Production Outage {{ date }}"
"""

REPORT_FORMS_EXAMPLE = """\
report_forms:
  - name: payments-intake
    team: payments
    title: Report a payments incident
    token: env:PAYMENTS_REPORT_TOKEN
    services: [checkout]
    default_severity: sev2
    per_hour: 20
    per_address: 5
"""

ESCALATION_POLICIES_EXAMPLE = """\
escalation_policies:
  - name: payments-paging
    description: The on-call pair, then the tech lead and the team's Slack channel.
    repeat: 1
    ack_timeout: 4h
    steps:
      - targets: [{schedule: payments-oncall, role: primary}]
        delay: ack_deadline
      - targets: [{schedule: payments-oncall, role: secondary}]
        delay: 15m
      - targets: [{team: payments, role: tech_lead}, {channel: ops-slack}]
        delay: 30m
"""


def sections() -> list[Section]:
    return [
        Section(
            "people",
            "person",
            PersonSpec,
            "handle",
            _people,
            directory.put_people,
            directory.delete_person,
            summary="Everyone who can be paged, hold a role or lead a team, by handle. Their "
            "contact methods (e-mail, ntfy push, Slack, Teams, a signed webhook, Apprise, and "
            "sms or phone numbers through an Apprise URL) and notification rules, high and low "
            "urgency, each a contact method and a delay; with no rules a page is one e-mail at "
            "once, and `apply` says so (see docs/notifications.md).",
            example=PEOPLE_EXAMPLE,
            check=people.check_people,
            warn=people.people_warnings,
        ),
        Section(
            "teams",
            "team",
            TeamSpec,
            "name",
            _teams,
            directory.put_teams,
            directory.delete_team,
            summary="Teams: members, tech lead, and named roles (product owner, engineering "
            "lead, …) each with a backup. Every handle must be a person declared in `people` "
            "(in this file or already stored).",
            example=TEAMS_EXAMPLE,
        ),
        Section(
            "services",
            "service",
            ServiceSpec,
            "name",
            _services,
            directory.put_services,
            directory.delete_service,
            summary="What is run or relied on: apps we control and upstream dependencies "
            "(`controlled: false`). Services may name each other in `depends_on` in any order "
            "in the file; a cycle is an error.",
            example=SERVICES_EXAMPLE,
            order=services_dependencies_first,
            check=service_cycles,
            verify=service_paging,
        ),
        Section(
            "integrations",
            "integration",
            integrations.IntegrationSpec,
            "name",
            integrations.integration_specs,
            each(integrations.put_integration),
            integrations.delete_integration,
            summary="Where monitors send alerts: each integration has a secret key bound to one "
            "service and one wire format (`type`), which decides the URL to paste into the "
            "monitor (see docs/integrations.md). `apply` prints the key of a new integration "
            "once; onwatch keeps only its hash and `export` never shows it "
            "(`onwatch integrations rotate NAME` issues a new one). `routes` send events to "
            "other services by their labels, first match wins.",
            example=INTEGRATIONS_EXAMPLE,
        ),
        Section(
            "calendars",
            "calendar",
            CalendarSpec,
            "name",
            calendar_queries.calendar_specs,
            each(calendar_actions.put_calendar),
            calendar_actions.delete_calendar,
            summary="Business hours by weekday in a time zone, public holidays (US federal by "
            "default, any country or region), extra closed and open dates, and the "
            "acknowledgement deadline inside and outside them. Schedules use calendars for "
            "their coverage and to restrict layers (see docs/schedules.md).",
            example=CALENDARS_EXAMPLE,
        ),
        Section(
            "channels",
            "channel",
            channels.ChannelSpec,
            "name",
            channels.channel_specs,
            channels.put_channels,
            channels.delete_channel,
            summary="Named places messages go to: a Slack channel (incoming webhook), a Teams "
            "channel (Workflows webhook), e-mail addresses, a signed webhook (Standard Webhooks), "
            "an ntfy topic (phone push), or any service Apprise reaches. Escalation steps name "
            "them as targets. Secrets (Slack, Teams and Apprise URLs, webhook secrets, ntfy "
            "tokens) are references, `env:NAME` or `file:/path`, read when a message is sent; "
            "`apply` checks what they point at when it can read them and warns when it cannot "
            "(see docs/channels.md).",
            example=CHANNELS_EXAMPLE,
            warn=channels.warnings,
        ),
        Section(
            "rate_limits",
            "rate limit",
            rate_limits.RateLimitRuleSpec,
            "kind",
            rate_limits.rule_specs,
            each(rate_limits.put_rule),
            rate_limits.delete_rule,
            summary="How many messages may go to one destination (a channel, a person's "
            "contact method) per window, by kind of destination, replacing the defaults "
            "(e-mail 20 a minute, Slack and Teams 30, webhooks 120, ntfy and Apprise 20). A "
            "channel's own `rate_limit` wins over its kind's. A message over the limit is not "
            "dropped: it waits, and the incident page says until when (see docs/delivery.md).",
            example=RATE_LIMITS_EXAMPLE,
        ),
        Section(
            "schedules",
            "schedule",
            ScheduleSpec,
            "name",
            schedule_queries.schedule_specs,
            each(schedule_actions.put_schedule),
            schedule_actions.delete_schedule,
            summary="Who is on call: layers of rotations (members in order, shift length, "
            "hand-off time, roles such as primary and secondary, restrictions), the higher "
            "layer winning, and overrides. Overrides in the file are managed by `apply`; "
            "those people add at run time (API, CLI, UI) are kept. `apply` warns about time "
            "nobody covers in the next four weeks (see docs/schedules.md).",
            example=SCHEDULES_EXAMPLE,
            warn=schedule_queries.upcoming_gap_warnings,
        ),
        Section(
            "escalation_policies",
            "escalation policy",
            PolicySpec,
            "name",
            escalation_policies.policy_specs,
            escalation_policies.put_policies,
            escalation_policies.delete_policy,
            summary="Who is paged about a service's incidents, in order: each step pages its "
            "targets (a schedule's role such as primary, resolved when the step fires; a "
            "person; a team's tech lead or named role, its backup when empty; a channel) and "
            "waits its `delay` (a duration, or `ack_deadline`: the deadline the service's "
            "calendar gives when the step fires, an SLA breach when it lapses) before the "
            "next, unless the incident is acknowledged. `round_robin` pages one of a step's "
            "people at a time; `repeat` runs the policy again; `ack_timeout` triggers an "
            "acknowledged incident again. Services choose a policy with `escalation_policy` "
            "and an `urgency`. An incident escalates from a snapshot of its policy taken when "
            "it opens: edits reach new incidents only (see docs/escalation.md).",
            example=ESCALATION_POLICIES_EXAMPLE,
            warn=escalation_policies.warnings,
        ),
        Section(
            "alerting",
            "alerting policy",
            policies.AlertingSpec,
            "service",
            policies.list_policies,
            each(policies.put_policy),
            policies.delete_policy,
            summary="How a service's alerts become incidents: grouped by service (the "
            "default), by the values of some labels, or by time window; and whether an incident "
            "resolves by itself once all its alerts have (see docs/alerting.md).",
            example=ALERTING_EXAMPLE,
        ),
        Section(
            "heartbeats",
            "heartbeat",
            heartbeats.HeartbeatSpec,
            "name",
            heartbeats.heartbeat_specs,
            each(heartbeats.put_heartbeat),
            heartbeats.delete_heartbeat,
            summary="Jobs that must ping onwatch every `interval`: a ping later than interval "
            "+ `grace` opens an alert `heartbeat:<name>` on the service, the next ping resolves "
            "it. A heartbeat is watched from its first ping. `onwatch heartbeats key NAME` "
            "prints its ping URL (the key is shown once; see docs/alerting.md).",
            example=HEARTBEATS_EXAMPLE,
        ),
        Section(
            "sli_rules",
            "SLI rule set",
            metrics_rules.ServiceRulesSpec,
            "service",
            metrics_rules.rules_specs,
            each(metrics_rules.put_rules),
            metrics_rules.delete_rules,
            summary="SLI rules over the metric samples a service posts to "
            "`/api/v1/intake/metrics/{key}`: latency over a threshold for a while, error rate "
            "over a share of requests with a minimum request count, circuit breaker open. An "
            "alert `sli:<name>` opens when a rule fires and resolves when it clears, with "
            "hysteresis (see docs/alerting.md).",
            example=SLI_RULES_EXAMPLE,
        ),
        Section(
            "severities",
            "severity",
            severity_levels.SeveritySpec,
            "code",
            severity_levels.severity_specs,
            each(severity_levels.put_severity),
            severity_levels.delete_severity,
            summary="What the four severities are called (sev1 is the most severe): a name and "
            "a description each, shown in the UI, the API (`severity_name`) and the CLI. A "
            "severity with no item keeps its default name: Critical, Major, Minor, Low (see "
            "docs/incidents.md).",
            example=SEVERITIES_EXAMPLE,
        ),
        *incident_role_sections(),
        Section(
            "stakeholders",
            "stakeholders",
            StakeholdersSpec,
            "team",
            stakeholder_lists.stakeholder_specs,
            each(stakeholder_lists.put_stakeholders),
            stakeholder_lists.delete_stakeholders,
            summary="Each team's stakeholder communication: who gets status updates and "
            "release announcements (the team's list, and lists per service; addresses added "
            "at run time are kept, and an address that unsubscribed stays so), how often an "
            "incident's commander is reminded to send an update by severity, the first "
            "update's deadline for critical incidents, and the team's own Jinja2 templates "
            "(checked when applied; see docs/stakeholders.md).",
            example=STAKEHOLDERS_EXAMPLE,
        ),
        *postmortem_rule_sections(Section),
        Section(
            "report_forms",
            "report form",
            report_forms.ReportFormSpec,
            "name",
            report_forms.report_form_specs,
            report_forms.put_report_forms,
            report_forms.delete_report_form,
            summary="Public forms at /report/NAME for partner teams and support to report an "
            "incident: reporter, service (among the form's), what they see and how many users "
            "are affected. A report opens an incident on that service, which pages its on-call "
            "through its escalation policy. A form is open, or protected by a `token` (a "
            "reference read at apply; only its hash is kept), and takes at most `per_hour` "
            "reports an hour, `per_address` from one client address (see docs/declaring.md).",
            example=REPORT_FORMS_EXAMPLE,
            warn=report_forms.warnings,
        ),
        *ticket_sections(),
        *error_rule_sections(Section),
        *health_rule_sections(Section),
        *error_digest_sections(Section),
        *deploy_watch_sections(Section),
    ]


def incident_role_sections() -> list[Section]:
    """Incident roles, and who is told at once of a security flag or an urgent triage."""
    r = role_config
    return [
        Section(
            "incident_roles", "incident role", r.RoleSpec, "name", r.role_specs,
            each(r.put_role), r.delete_role, summary=r.ROLES_SUMMARY, example=r.ROLES_EXAMPLE,
        ),
        Section(
            "security_contacts", "security contact", r.ContactSpec, "name", r.security_specs,
            each(r.put_security), r.delete_security, summary=r.SECURITY_SUMMARY,
            example=r.SECURITY_EXAMPLE,
        ),
        Section(
            "urgent_contacts", "urgent contact", r.UrgentSpec, "name", r.urgent_specs,
            each(r.put_urgent), r.delete_urgent, summary=r.URGENT_SUMMARY,
            example=r.URGENT_EXAMPLE,
        ),
    ]  # fmt: skip


def ticket_sections() -> list[Section]:
    """Each team's issue tracker (tickets/config.py)."""
    t = ticket_config
    return [
        Section(
            "ticket_trackers", "ticket tracker", t.TrackerSpec, "team", t.tracker_specs,
            t.put_trackers, t.delete_tracker, summary=t.SUMMARY, example=t.EXAMPLE,
            warn=t.warnings,
        ),
    ]  # fmt: skip
