"""Escalation policies (ordered steps of targets with delays, repeated), the escalation state
each incident keeps (a snapshot of its policy taken when it opened) and SLA breaches."""
