"""alerts.rows writes the columns alerts.ingest fills: the two lists must not drift apart."""

from __future__ import annotations

from datetime import UTC, datetime

from onwatch.alerts import rows
from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, _upsert_params
from onwatch.alerts.models import ALERT, ALERT_TALLY


def test_a_trigger_fills_exactly_the_columns_the_row_writers_write():
    params = _upsert_params(Routed(1, "reader", AlertEvent("trigger", "k")), 1, None,
                            datetime(2026, 1, 1, tzinfo=UTC), "digest")
    assert tuple(params) == rows.UPSERT_COLUMNS
    assert set(rows.LATEST) <= set(rows.ALERT_COLUMNS)
    assert set(rows.ALERT_COLUMNS) <= set(ALERT.c.keys())
    assert set(rows.TALLY_COLUMNS) <= set(ALERT_TALLY.c.keys())
