"""The stakeholder e-mail from seed 002's template: exact subject and table, in text and HTML;
teams' own templates, sandboxed and autoescaped; a broken template named by its part."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from onwatch.core.errors import Invalid
from onwatch.stakeholders import composer
from onwatch.stakeholders.composer import UPDATE_DEFAULTS, Templates, compose

NY = ZoneInfo("America/New_York")
FACTS = composer.UpdateFacts(
    incident_id=12,
    title="Kiosk check-in fails",
    severity="sev1",
    application="Clinic kiosk check-in",
    applications=("Clinic kiosk check-in", "Check-in API"),
    business_impact="Patients cannot check in at the kiosk & must queue at the desk.",
    summary="Kiosk check-in fails at every clinic. Patients check in at the front desk.",
    date="11-24-2026",
    start="11-24-2026 10:00 AM EST",
    end="Ongoing",
    status="The API's database is failing over.",
    status_at="11-24-2026 10:40 AM EST",
    resolution="Ongoing",
    postmortem_url=None,
    incident_url="https://onwatch.example.org/incidents/12",
)


def test_the_default_subject_is_the_application_production_outage_and_the_date() -> None:
    assert compose(Templates(), UPDATE_DEFAULTS, FACTS).subject == (
        "Clinic kiosk check-in Production Outage 11-24-2026"
    )


def test_the_text_body_is_the_summary_and_the_seed_table_in_order() -> None:
    text = compose(Templates(), UPDATE_DEFAULTS, FACTS).text
    assert text == (
        "Incident Summary: Kiosk check-in fails at every clinic. Patients check in at the front "
        "desk.\n"
        "\n"
        "Incident Details:\n"
        "Applications Impacted: Clinic kiosk check-in, Check-in API\n"
        "Business Impact: Patients cannot check in at the kiosk & must queue at the desk.\n"
        "Incident Start Date/Time: 11-24-2026 10:00 AM EST\n"
        "Incident End Date/Time: Ongoing\n"
        "Current Status: 11-24-2026 10:40 AM EST: The API's database is failing over.\n"
        "Resolution: Ongoing\n"
        "\n"
        "Incident page: https://onwatch.example.org/incidents/12\n"
    )


def test_the_html_body_is_a_table_of_the_same_rows_escaped() -> None:
    html = compose(Templates(), UPDATE_DEFAULTS, FACTS).html
    labels = [
        "Applications Impacted", "Business Impact", "Incident Start Date/Time",
        "Incident End Date/Time", "Current Status", "Resolution",
    ]  # fmt: skip
    positions = [html.index(f">{label}</th>") for label in labels]
    assert positions == sorted(positions)
    assert "at the kiosk &amp; must queue" in html
    assert ">11-24-2026 10:40 AM EST: The API&#39;s database is failing over.</td>" in html
    assert ">Ongoing</td>" in html


def test_once_resolved_the_resolution_links_the_post_mortem() -> None:
    resolved = replace(
        FACTS,
        end="11-24-2026 01:15 PM EST",
        resolution="Resolved at 11-24-2026 01:15 PM EST.",
        postmortem_url="https://onwatch.example.org/incidents/12/postmortem",
    )
    html = compose(Templates(), UPDATE_DEFAULTS, resolved).html
    assert 'href="https://onwatch.example.org/incidents/12/postmortem"' in html
    text = compose(Templates(), UPDATE_DEFAULTS, resolved).text
    assert "Incident End Date/Time: 11-24-2026 01:15 PM EST\n" in text


def test_a_teams_template_replaces_a_part_and_the_html_stays_escaped() -> None:
    own = Templates(subject="[{{ severity }}] {{ application }}: {{ status }}",
                    html="<p>{{ status }}</p>")  # fmt: skip
    sly = replace(FACTS, status="<script>x</script>")
    composed = compose(own, UPDATE_DEFAULTS, sly)
    assert composed.subject == "[sev1] Clinic kiosk check-in: <script>x</script>"
    assert composed.html == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    assert composed.text.startswith("Incident Summary:")


@pytest.mark.parametrize(
    ("templates", "field"),
    [
        (Templates(subject="{{ application "), "subject"),
        (Templates(text="{{ no_such_fact }}"), "text"),
        (Templates(html="{{ ''.__class__.__mro__ }}"), "html"),
    ],
)
def test_a_template_that_does_not_compile_or_render_is_refused_naming_its_part(
    templates: Templates, field: str
) -> None:
    with pytest.raises(Invalid) as raised:
        composer.check_templates(templates)
    assert [e.field for e in raised.value.errors] == [field]


def test_dates_are_written_in_the_given_zone() -> None:
    late = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)  # still the 24th in New York
    assert composer.local_date(late, NY) == "11-24-2026"
    assert composer.local_time(late, NY) == "11-24-2026 10:30 PM EST"


def test_a_release_announcement_has_its_own_default_subject() -> None:
    facts = composer.AnnouncementFacts(
        application="Pre-visit check-in", applications=("Pre-visit check-in",),
        release="v2.4.0", notes="Faster forms.", date="12-01-2026",
        release_at="12-01-2026 09:00 AM EST",
    )  # fmt: skip
    composed = compose(Templates(), composer.ANNOUNCEMENT_DEFAULTS, facts)
    assert composed.subject == "Pre-visit check-in Release 12-01-2026"
    assert "release v2.4.0 on 12-01-2026 09:00 AM EST" in composed.text
