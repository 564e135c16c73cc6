"""Outages of services we do not control: marking an incident upstream, a maintenance window on
the upstream service with a message for users, telling its owner, and the evidence bundle that
backs an escalation upstream."""
