"""`onwatch oncall`, `schedules`, `overrides` and `calendars` as an operator types them: text in
each schedule's zone, --json for scripts, and bad input as an exit code with a sentence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.adapters.cli.conftest import Onwatch

ORG = """\
people:
  - {handle: ann, name: Ann, email: ann@example.org}
  - {handle: bob, name: Bob, email: bob@example.org}
  - {handle: cy, name: Cy, email: cy@example.org}
  - {handle: dee, name: Dee, email: dee@example.org}
calendars:
  - name: business-hours
    time_zone: America/New_York
    hours: [{days: mon-fri, opens: "07:00", closes: "20:00"}]
    holidays: US
    ack_deadlines: {inside_hours: 15m, outside_hours: 60m}
schedules:
  - name: platform
    time_zone: America/New_York
    layers:
      - members: [ann, bob, cy, dee]
        shift_length: 2w
        handoff_time: "09:00"
        start_date: 2026-01-07
        roles: [primary, secondary]
    overrides:
      - {covering: cy, covered: ann, start_at: 2026-03-05T09:00:00-05:00,
         end_at: 2026-03-06T09:00:00-05:00, reason: PTO}
  - name: office
    time_zone: America/New_York
    coverage: business-hours
    layers:
      - members: [dee]
        shift_length: 1w
        start_date: 2026-01-05
        restrict_to: {calendar: business-hours}
"""


@pytest.fixture
def org(onwatch: Onwatch, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(ORG)
    result = onwatch("apply", "-f", str(path))
    assert result.exit_code == 0, result.output


def test_oncall_prints_each_role_with_its_holder_and_until_when(
    onwatch: Onwatch, org: None
) -> None:
    result = onwatch("oncall", "platform", "--at", "2026-03-04T09:00:00-05:00")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "SCHEDULE  ROLE       ON CALL  UNTIL",
        "platform  primary    ann      Thu 2026-03-05 09:00 EST",
        "platform  secondary  bob      Wed 2026-03-18 09:00 EDT",
    ]


def test_oncall_without_a_schedule_lists_everyone_on_call(onwatch: Onwatch, org: None) -> None:
    # Thursday 10:00 in New York: ann is away, cy covers; the office is open.
    result = onwatch("oncall", "--at", "2026-03-05T10:00:00-05:00")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "SCHEDULE  ROLE       ON CALL            UNTIL",
        "office    primary    dee                Thu 2026-03-05 20:00 EST",
        "platform  primary    cy (covering ann)  Fri 2026-03-06 09:00 EST",
        "platform  secondary  bob                Wed 2026-03-18 09:00 EDT",
    ]


def test_oncall_json_is_for_scripts(onwatch: Onwatch, org: None) -> None:
    result = onwatch(
        "oncall", "platform", "--role", "primary", "--at", "2026-03-05T15:00:00Z", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"] == [
        {
            "schedule": "platform",
            "time_zone": "America/New_York",
            "role": "primary",
            "holder": "cy",
            "off_hours": False,
            "until": "2026-03-06T14:00:00Z",
            "override": {"id": json.loads(result.stdout)["items"][0]["override"]["id"],
                         "covered": "ann",
                         "reason": "PTO"},
        }
    ]  # fmt: skip


def test_nobody_outside_coverage_is_off_hours_not_a_gap(onwatch: Onwatch, org: None) -> None:
    result = onwatch("oncall", "office", "--at", "2026-03-05T21:00:00-05:00")
    assert result.stdout.splitlines()[1] == (
        "office    primary  nobody (off hours)  Fri 2026-03-06 07:00 EST"
    )


NO_ROLE = "role: schedule platform has no role 'tertiary' (it has primary, secondary)"
NO_OFFSET = (
    "--at: '2026-03-05 10:00' has no UTC offset; add one, such as 2026-03-04T09:00-05:00, "
    "2026-03-04T14:00Z or 2026-03-04"
)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("oncall", "nope"), 4, "no schedule 'nope'"),
        (("oncall", "platform", "--role", "tertiary"), 3, NO_ROLE),
        (("oncall", "platform", "--at", "2026-03-05 10:00"), 3, NO_OFFSET),
        (("oncall", "--role", "primary"), 3, "--role: name a schedule to ask about one role"),
    ],
)
def test_bad_input_is_an_exit_code_and_a_sentence(
    onwatch: Onwatch, org: None, args: tuple[str, ...], code: int, message: str
) -> None:
    result = onwatch(*args)
    assert (result.exit_code, result.stderr) == (code, f"error: {message}\n")
    assert result.stdout == ""


def test_schedules_show_lists_the_shifts_of_a_range(onwatch: Onwatch, org: None) -> None:
    result = onwatch(
        "schedules", "show", "platform", "--from", "2026-03-04", "--to", "2026-03-07",
        "--role", "primary",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "platform (America/New_York), Wed 2026-03-04 00:00 EST to Sat 2026-03-07 00:00 EST",
        "ROLE     ON CALL  FROM                      TO                        NOTE",
        "primary  dee      Wed 2026-03-04 00:00 EST  Wed 2026-03-04 09:00 EST",
        "primary  ann      Wed 2026-03-04 09:00 EST  Thu 2026-03-05 09:00 EST",
        "primary  cy       Thu 2026-03-05 09:00 EST  Fri 2026-03-06 09:00 EST  "
        "override for ann: PTO",
        "primary  ann      Fri 2026-03-06 09:00 EST  Sat 2026-03-07 00:00 EST",
    ]
    listed = onwatch("schedules", "list")
    assert listed.stdout.splitlines() == [
        "SCHEDULE  TIME ZONE         ROLES               LAYERS",
        "office    America/New_York  primary             1",
        "platform  America/New_York  primary, secondary  1",
    ]


def test_overrides_add_list_and_remove(onwatch: Onwatch, org: None) -> None:
    added = onwatch(
        "overrides", "add", "platform", "--covering", "dee", "--role", "secondary",
        "--from", "2035-01-02T09:00:00-05:00", "--to", "2035-01-03", "--reason", "conference",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    override_id = added.stdout.split()[2]
    assert added.stdout == (
        f"added override {override_id} to platform: dee from Tue 2035-01-02 09:00 EST "
        "to Wed 2035-01-03 00:00 EST\n"
    )
    listed = onwatch("overrides", "list", "platform", "--json")
    [entry] = json.loads(listed.stdout)["items"]
    assert (entry["covering"], entry["role"], entry["end_at"], entry["origin"]) == (
        "dee", "secondary", "2035-01-03T05:00:00Z", "runtime",
    )  # fmt: skip
    shown = onwatch("oncall", "platform", "--role", "secondary", "--at", "2035-01-02T15:00:00Z")
    assert shown.stdout.splitlines()[1].split()[:3] == ["platform", "secondary", "dee"]
    removed = onwatch("overrides", "remove", "platform", override_id)
    assert removed.stdout == f"removed override {override_id} from platform\n"
    assert onwatch("overrides", "list", "platform").stdout == "no overrides running or to come\n"


def test_a_bad_override_names_the_option_and_adds_nothing(onwatch: Onwatch, org: None) -> None:
    result = onwatch(
        "overrides", "add", "platform", "--covering", "zed", "--covered", "ann",
        "--from", "2035-01-03", "--to", "2035-01-02",
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stderr.splitlines() == ["error: --to: the override must end after it starts"]
    result = onwatch(
        "overrides", "add", "platform", "--covering", "zed", "--covered", "ann",
        "--from", "2035-01-02", "--to", "2035-01-03",
    )  # fmt: skip
    assert result.stderr.splitlines() == ["error: --covering: no person 'zed'"]
    assert onwatch("overrides", "list", "platform").stdout == "no overrides running or to come\n"


def test_calendar_status_says_open_or_closed_and_the_deadline(onwatch: Onwatch, org: None) -> None:
    result = onwatch("calendars", "status", "business-hours", "--at", "2026-11-26T10:00:00-05:00")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "business-hours at Thu 2026-11-26 10:00 EST: closed (Thanksgiving Day)",
        "opens Fri 2026-11-27 07:00 EST",
        "acknowledge within 1h, by Thu 2026-11-26 11:00 EST",
    ]


def test_apply_warns_about_gaps_in_the_next_four_weeks(onwatch: Onwatch, tmp_path: Path) -> None:
    weekdays_only = ORG.replace(
        "restrict_to: {calendar: business-hours}", "restrict_to: {days: mon-fri}"
    )
    weekdays_only = weekdays_only.replace("    coverage: business-hours\n", "")
    path = tmp_path / "org.yaml"
    path.write_text(weekdays_only)
    result = onwatch("apply", "-f", str(path))
    assert result.exit_code == 0, result.output
    # Weekends, from now on (the CLI reads the real clock): three listed, then a count.
    [warning] = [line for line in result.stderr.splitlines() if "notification rules" not in line]
    weekend = r"\w{3} \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T to Mon \d{4}-\d\d-\d\d 00:00 E[SD]T"
    pattern = f"warning: schedule office: nobody is primary from {weekend}(, {weekend}){{2}} and"
    assert re.match(pattern, warning), warning
