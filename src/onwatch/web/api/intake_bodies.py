"""The intake bodies as /openapi.json documents them (JSON Schema), so that clients and schema
fuzzers can build them. The routes read raw bodies and the parsers in integrations/ decide what
is accepted; these schemas describe that: a field a parser reads as optional is also allowed to
be null, and fields it does not read are allowed."""

from __future__ import annotations

from typing import Any

from onwatch.alerts.events import ACTIONS, MAX_DEDUP_KEY, MAX_SUMMARY, SEVERITIES_HIGHEST_FIRST
from onwatch.alerts.metrics import MAX_SAMPLES
from onwatch.alerts.sli import MetricSample
from onwatch.web.errors import ErrorBody

Schema = dict[str, Any]


def _optional(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


TEXT = _optional({"type": "string"})
TEXT_MAP = _optional({"type": "object", "additionalProperties": {"type": "string"}})
ANY: Schema = {}
LINKS = _optional(
    {
        "type": "array",
        "items": {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "properties": {"href": {"type": "string", "minLength": 1}, "text": TEXT},
                    "required": ["href"],
                },
            ]
        },
    }
)
IMAGES = _optional(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"src": {"type": "string", "minLength": 1}, "href": TEXT, "alt": TEXT},
            "required": ["src"],
        },
    }
)
SEVERITY = _optional({"enum": list(SEVERITIES_HIGHEST_FIRST)})

PAGERDUTY_EVENT: Schema = {
    "title": "PagerDuty Events API v2 event",
    "type": "object",
    "properties": {
        "routing_key": {"type": "string", "minLength": 1, "description": "Integration key."},
        "event_action": {"enum": list(ACTIONS)},
        "dedup_key": _optional({"type": "string", "maxLength": MAX_DEDUP_KEY}),
    },
    "required": ["routing_key", "event_action"],
    # PagerDuty reads the rest of a trigger only; acknowledge and resolve name a dedup key.
    "if": {"properties": {"event_action": {"const": "trigger"}}},
    "then": {
        "properties": {
            "links": LINKS,
            "images": IMAGES,
            "client": TEXT,
            "client_url": TEXT,
            "payload": {
                "type": "object",
                "properties": {
                    "summary": {"type": "string", "minLength": 1, "maxLength": MAX_SUMMARY},
                    "source": {"type": "string", "minLength": 1},
                    "severity": {"enum": list(SEVERITIES_HIGHEST_FIRST)},
                    "timestamp": TEXT,
                    "component": TEXT,
                    "group": TEXT,
                    "class": TEXT,
                    "custom_details": ANY,
                },
                "required": ["summary", "source", "severity"],
            },
        },
        "required": ["payload"],
    },
    "else": {
        "properties": {"dedup_key": {"type": "string", "minLength": 1}},
        "required": ["dedup_key"],
    },
}

PAGERDUTY_CHANGE: Schema = {
    "title": "PagerDuty Events API v2 change event",
    "type": "object",
    "properties": {
        "routing_key": {"type": "string", "minLength": 1},
        "payload": {
            "type": "object",
            "properties": {
                "summary": {"type": "string", "minLength": 1, "maxLength": MAX_SUMMARY},
                "source": TEXT,
                "timestamp": TEXT,
                "custom_details": ANY,
            },
            "required": ["summary"],
        },
        "links": LINKS,
    },
    "required": ["routing_key", "payload"],
}

_PROMETHEUS_ALERT: Schema = {
    "type": "object",
    "properties": {
        "status": {"enum": ["firing", "resolved"]},
        "labels": TEXT_MAP,
        "annotations": TEXT_MAP,
        "startsAt": TEXT,
        "endsAt": TEXT,
        "generatorURL": TEXT,
        "fingerprint": TEXT,
    },
    "required": ["status"],
}
_GROUP = {
    "receiver": TEXT,
    "groupKey": TEXT,
    "groupLabels": TEXT_MAP,
    "externalURL": TEXT,
    "alerts": {"type": "array", "items": _PROMETHEUS_ALERT},
}

ALERTMANAGER: Schema = {
    "title": "Alertmanager webhook, version 4",
    "type": "object",
    "properties": {"version": {"const": "4"}, **_GROUP},
    "required": ["version", "alerts"],
}

GRAFANA: Schema = {
    "title": "Grafana alerting webhook",
    "anyOf": [
        {
            "type": "object",
            "properties": {
                **_GROUP,
                "alerts": {
                    "type": "array",
                    "items": {
                        **_PROMETHEUS_ALERT,
                        "properties": {
                            **_PROMETHEUS_ALERT["properties"],
                            "dashboardURL": TEXT,
                            "panelURL": TEXT,
                            "silenceURL": TEXT,
                            "imageURL": TEXT,
                            "valueString": TEXT,
                        },
                    },
                },
            },
            "required": ["alerts"],
        },
        {
            "title": "Legacy Grafana alerting",
            "type": "object",
            "properties": {
                "state": {"enum": ["alerting", "no_data", "ok", "pending", "paused"]},
                "ruleId": _optional({"type": ["integer", "string"]}),
                "ruleName": TEXT,
                "title": TEXT,
                "message": TEXT,
                "ruleUrl": TEXT,
                "imageUrl": TEXT,
                "tags": TEXT_MAP,
            },
            "required": ["state"],
            "anyOf": [{"required": ["ruleId"]}, {"required": ["ruleName"]}],
        },
    ],
}

DATADOG: Schema = {
    "title": "Datadog webhook (onwatch's DATADOG_PAYLOAD_TEMPLATE)",
    "type": "object",
    "properties": {
        "transition": {"type": "string", "description": "Triggered, Recovered, Warn, …"},
        **{
            name: TEXT
            for name in (
                "alert_id",
                "aggregation_key",
                "scope",
                "title",
                "message",
                "priority",
                "alert_type",
                "tags",
                "hostname",
                "link",
            )
        },
        "date": _optional({"type": ["number", "string"]}),
        "last_updated": _optional({"type": ["number", "string"]}),
    },
    "required": ["transition"],
}

_GENERIC_ALERT: Schema = {
    "type": "object",
    "properties": {
        "status": _optional({"enum": ["firing", "resolved"]}),
        "dedup_key": _optional({"type": "string", "maxLength": MAX_DEDUP_KEY}),
        "summary": _optional({"type": "string", "maxLength": MAX_SUMMARY}),
        "severity": SEVERITY,
        "source": TEXT,
        "labels": TEXT_MAP,
        "details": _optional({"type": "object"}),
        "links": LINKS,
        "occurred_at": TEXT,
    },
}
GENERIC: Schema = {
    "title": "Generic JSON webhook: one alert or an array of them",
    "anyOf": [_GENERIC_ALERT, {"type": "array", "items": _GENERIC_ALERT}],
}

WEBHOOK_BODIES: dict[str, Schema] = {
    "alertmanager": ALERTMANAGER,
    "grafana": GRAFANA,
    "datadog": DATADOG,
    "generic": GENERIC,
}

_SAMPLE = MetricSample.model_json_schema()
METRIC_SAMPLES: Schema = {
    "title": "Metric samples: one, or up to 1000 in `samples`",
    "anyOf": [
        _SAMPLE,
        {
            "type": "object",
            "properties": {
                "samples": {
                    "type": "array",
                    "items": _SAMPLE,
                    "minItems": 1,
                    "maxItems": MAX_SAMPLES,
                }
            },
            "required": ["samples"],
            "additionalProperties": False,
        },
    ],
}


def request_body(schema: Schema) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its JSON body itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# PagerDuty's answers to what it refuses, which PD clients parse; a body over the size limit is
# refused before it is read, with onwatch's own error body.
PAGERDUTY_REFUSAL: Schema = {
    "title": "PagerDuty refusal",
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["status", "message", "errors"],
}
PAGERDUTY_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "Refused, in PagerDuty's shape: `errors` names each field at fault.",
        "content": {"application/json": {"schema": PAGERDUTY_REFUSAL}},
    },
    413: {"description": "Body over the size limit.", "model": ErrorBody},
}
