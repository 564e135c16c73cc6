"""REST JSON under /api/v1/, one module per domain."""
