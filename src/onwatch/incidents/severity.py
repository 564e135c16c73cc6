"""How an alert's severity becomes an incident's (critical → sev1 … info → sev4)."""

from __future__ import annotations

FROM_ALERT = {"critical": "sev1", "error": "sev2", "warning": "sev3", "info": "sev4"}


def from_alert(alert_severity: str) -> str:
    return FROM_ALERT[alert_severity]


def is_more_severe(candidate: str, current: str) -> bool:
    """sev1 is the most severe."""
    return candidate < current
