"""HTTP: the REST API, the web UI, intake endpoints, health and metrics."""
