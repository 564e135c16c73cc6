"""alerts.rows writes the columns alerts.ingest fills: the two lists must not drift apart."""

from __future__ import annotations

from datetime import UTC, datetime

from onwatch.alerts import rows
from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, _upsert_params
from onwatch.alerts.models import Alert


def test_a_trigger_fills_exactly_the_columns_the_row_writers_write():
    params = _upsert_params(Routed(1, "reader", AlertEvent("trigger", "k")), 1, None,
                            datetime(2026, 1, 1, tzinfo=UTC), "digest")
    assert tuple(params) == rows.UPSERT_COLUMNS
    assert set(rows.LATEST) <= set(rows.UPSERT_COLUMNS)
    assert set(rows.UPSERT_COLUMNS) <= set(Alert.__table__.c.keys())
