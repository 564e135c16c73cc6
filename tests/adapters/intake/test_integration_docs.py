"""docs/integrations.md tells people what to paste into their monitors: the Datadog payload
template there is the one onwatch reads, and every intake URL it shows is one onwatch serves."""

from __future__ import annotations

import re
from pathlib import Path

from onwatch.integrations.datadog import DATADOG_PAYLOAD_TEMPLATE
from onwatch.web.app import create_app
from onwatch.web.context import AppContext

DOC = Path(__file__).resolve().parents[3] / "docs" / "integrations.md"


def test_datadog_template_in_the_docs_is_the_one_onwatch_reads() -> None:
    assert DATADOG_PAYLOAD_TEMPLATE.strip() in DOC.read_text()


def test_every_intake_url_in_the_docs_is_served(ctx: AppContext) -> None:
    shown = set(re.findall(r"https://onwatch\.example(/(?:v2|api/v1/intake)/[^\s`'|)]*)",
                           DOC.read_text()))
    served = set(create_app(ctx).openapi()["paths"])
    assert len(shown) >= 8
    for url in shown:
        assert url.replace("/KEY", "/{key}") in served, url
