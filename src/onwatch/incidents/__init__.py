"""Incidents: what people respond to, with their status, severity and timeline."""
