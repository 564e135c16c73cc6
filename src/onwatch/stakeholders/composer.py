"""Composing stakeholder e-mails from Jinja2 templates in a sandbox: the subject, a plain-text
and an HTML body (autoescaped) of a status update or a release announcement. Pure: the facts
come in as strings already written for people (times in the service's zone), nothing is read.

The default update is seed 002's outage e-mail: subject `<Application> Production Outage
MM-DD-YYYY`, a short summary, and the table of applications impacted, business impact, start,
end, current status and resolution."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from onwatch.core.errors import FieldError, Invalid

ONGOING = "Ongoing"
NOT_STATED = "Not stated yet"
SUBJECT_CHARS = 200
TEMPLATE_CHARS = 20_000

UPDATE_SUBJECT = "{{ application }} Production Outage {{ date }}"
UPDATE_TEXT = """\
Incident Summary: {{ summary }}

Incident Details:
Applications Impacted: {{ applications | join(", ") }}
Business Impact: {{ business_impact }}
Incident Start Date/Time: {{ start }}
Incident End Date/Time: {{ end }}
Current Status: {{ status_at }}: {{ status }}
Resolution: {{ resolution }}

Incident page: {{ incident_url }}
"""
_ROW = (
    '<tr><th align="left" valign="top" style="{th}">{label}</th><td style="{td}">{value}</td></tr>'
)
_TH = "padding:6px 12px;border:1px solid #cccccc;background:#f4f4f4"
_TD = "padding:6px 12px;border:1px solid #cccccc"


def _row(label: str, value: str) -> str:
    return _ROW.format(th=_TH, td=_TD, label=label, value=value)


UPDATE_HTML = (
    "<!doctype html>\n"
    '<html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">\n'
    "<p><strong>Incident Summary:</strong> {{ summary }}</p>\n"
    "<p><strong>Incident Details:</strong></p>\n"
    '<table style="border-collapse:collapse">\n'
    + "\n".join(
        [
            _row("Applications Impacted", '{{ applications | join(", ") }}'),
            _row("Business Impact", "{{ business_impact }}"),
            _row("Incident Start Date/Time", "{{ start }}"),
            _row("Incident End Date/Time", "{{ end }}"),
            _row("Current Status", "{{ status_at }}: {{ status }}"),
            _row(
                "Resolution",
                "{% if postmortem_url %}{{ resolution }} "
                '<a href="{{ postmortem_url }}">Post-mortem</a>'
                "{% else %}{{ resolution }}{% endif %}",
            ),
        ]
    )
    + "\n</table>\n"
    '<p><a href="{{ incident_url }}">The incident in onwatch</a></p>\n'
    "</body></html>\n"
)

ANNOUNCEMENT_SUBJECT = "{{ application }} Release {{ date }}"
ANNOUNCEMENT_TEXT = """\
{{ application }}: release {{ release }} on {{ release_at }}.
{% if notes %}
{{ notes }}
{% endif %}
Applications: {{ applications | join(", ") }}
"""
ANNOUNCEMENT_HTML = (
    "<!doctype html>\n"
    '<html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">\n'
    "<p><strong>{{ application }}</strong>: release <strong>{{ release }}</strong> on "
    "{{ release_at }}.</p>\n"
    '{% if notes %}<p style="white-space:pre-wrap">{{ notes }}</p>{% endif %}\n'
    '<p>Applications: {{ applications | join(", ") }}</p>\n'
    "</body></html>\n"
)

FIELDS = ("subject", "text", "html")


@dataclass(frozen=True)
class Templates:
    """Template sources; None takes the default of the kind (update or announcement)."""

    subject: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class UpdateFacts:
    """What an update's template may use, each written for people."""

    incident_id: int
    title: str
    severity: str
    application: str  # the service's display name
    applications: tuple[str, ...]
    business_impact: str
    summary: str
    date: str  # MM-DD-YYYY: the incident's start in the service's zone
    start: str
    end: str  # "Ongoing" until resolved
    status: str
    status_at: str
    resolution: str  # "Ongoing" until resolved
    postmortem_url: str | None
    incident_url: str


@dataclass(frozen=True)
class AnnouncementFacts:
    application: str
    applications: tuple[str, ...]
    release: str
    notes: str
    date: str
    release_at: str


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def local_date(instant: datetime, zone: Any) -> str:
    """MM-DD-YYYY of the instant in `zone` (a tzinfo)."""
    return instant.astimezone(zone).strftime("%m-%d-%Y")


def local_time(instant: datetime, zone: Any) -> str:
    """`11-24-2026 10:00 AM EST`: the instant in `zone`, with the zone's abbreviation."""
    return instant.astimezone(zone).strftime("%m-%d-%Y %I:%M %p %Z")


def _environment(html: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        autoescape=html, undefined=StrictUndefined, keep_trailing_newline=True
    )


def compose(templates: Templates, defaults: Templates, facts: Any) -> Composed:
    """The e-mail of `facts` (UpdateFacts or AnnouncementFacts) through `templates`, each part
    falling back on `defaults`. Invalid naming the part (subject, text, html) when a template
    does not compile or fails on these facts."""
    values = asdict(facts)
    values["applications"] = list(values["applications"])
    parts: dict[str, str] = {}
    errors: list[FieldError] = []
    for name in FIELDS:
        source = getattr(templates, name) or getattr(defaults, name) or ""
        try:
            parts[name] = _environment(name == "html").from_string(source).render(values)
        except TemplateError as error:
            errors.append(FieldError(name, f"the template fails: {error}"))
        except Exception as error:  # the sandbox refusing an attribute, a bad filter argument
            errors.append(FieldError(name, f"the template fails: {type(error).__name__}: {error}"))
    if errors:
        raise Invalid(errors)
    subject = " ".join(parts["subject"].split())[:SUBJECT_CHARS]
    if not subject:
        raise Invalid("the template makes an empty subject", "subject")
    return Composed(subject, parts["text"], parts["html"])


SAMPLE_UPDATE = UpdateFacts(
    incident_id=1,
    title="Kiosk check-in fails",
    severity="sev1",
    application="Check-in",
    applications=("Check-in",),
    business_impact="Patients cannot check in at the kiosk.",
    summary="Check-in fails for every clinic.",
    date="11-24-2026",
    start="11-24-2026 10:00 AM EST",
    end=ONGOING,
    status="Investigating.",
    status_at="11-24-2026 10:20 AM EST",
    resolution=ONGOING,
    postmortem_url=None,
    incident_url="https://onwatch.example.org/incidents/1",
)
SAMPLE_ANNOUNCEMENT = AnnouncementFacts(
    application="Check-in",
    applications=("Check-in",),
    release="v2.4.0",
    notes="Faster kiosk start.",
    date="11-24-2026",
    release_at="11-24-2026 10:00 AM EST",
)


def check_templates(templates: Templates, *, announcement: bool = False) -> None:
    """Invalid, naming the part, when a template does not compile or fails on sample facts
    (an unknown variable, a sandbox refusal): what `apply` checks before storing one."""
    for name in FIELDS:
        source = getattr(templates, name)
        if source is not None and len(source) > TEMPLATE_CHARS:
            raise Invalid(f"at most {TEMPLATE_CHARS} characters", name)
    if announcement:
        compose(templates, ANNOUNCEMENT_DEFAULTS, SAMPLE_ANNOUNCEMENT)
    else:
        compose(templates, UPDATE_DEFAULTS, SAMPLE_UPDATE)


UPDATE_DEFAULTS = Templates(UPDATE_SUBJECT, UPDATE_TEXT, UPDATE_HTML)
ANNOUNCEMENT_DEFAULTS = Templates(ANNOUNCEMENT_SUBJECT, ANNOUNCEMENT_TEXT, ANNOUNCEMENT_HTML)
