"""How an alert's severity becomes an incident's (critical → sev1 … info → sev4)."""

from __future__ import annotations

# What a severity is called when the config names none (config `severities:` renames them).
DEFAULT_NAMES = {"sev1": "Critical", "sev2": "Major", "sev3": "Minor", "sev4": "Low"}
FROM_ALERT = {"critical": "sev1", "error": "sev2", "warning": "sev3", "info": "sev4"}


def from_alert(alert_severity: str) -> str:
    return FROM_ALERT[alert_severity]


def is_more_severe(candidate: str, current: str) -> bool:
    """sev1 is the most severe."""
    return candidate < current
