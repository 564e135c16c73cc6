from datetime import UTC, datetime, time, timedelta

import pytest

from onwatch.core.errors import Invalid
from onwatch.schedules.oncall import who_is_on_call
from onwatch.schedules.specs import parse_schedule, parse_schedule_spec


def spec(**changes) -> dict:
    layer = {
        "members": ["ann", "bob"],
        "shift_length": "1w",
        "handoff_time": "09:00",
        "start_date": "2026-01-05",
        "roles": ["primary", "secondary"],
    }
    layer.update(changes.pop("layer", {}))
    return {"name": "s", "time_zone": "America/New_York", "layers": [layer], **changes}


def fields_of(data: dict, calendars=None) -> list[str]:
    with pytest.raises(Invalid) as caught:
        parse_schedule(data, calendars)
    return [e.field for e in caught.value.errors]


def test_a_valid_spec_builds_a_schedule():
    schedule = parse_schedule(spec())
    assert schedule.roles == ("primary", "secondary")
    assert schedule.layers[0].rotation.shift_length == timedelta(weeks=1)
    assert schedule.layers[0].rotation.handoff_time == time(9)
    assert schedule.people == {"ann", "bob"}


def test_a_rotation_with_no_members_is_invalid_naming_the_field():
    assert fields_of(spec(layer={"members": []})) == ["layers[0].members"]


def test_an_override_that_ends_before_it_starts_is_invalid_naming_the_field():
    override = {
        "covering": "bob",
        "covered": "ann",
        "start_at": "2026-01-07T09:00:00-05:00",
        "end_at": "2026-01-06T09:00:00-05:00",
        "reason": "PTO",
    }
    assert fields_of(spec(overrides=[override])) == ["overrides[0].end_at"]


def test_an_unknown_time_zone_is_invalid_naming_the_field():
    assert fields_of({**spec(), "time_zone": "America/Gotham"}) == ["time_zone"]
    assert fields_of(spec(layer={"time_zone": "Europe/Atlantis"})) == ["layers[0].time_zone"]


def test_an_unknown_restriction_calendar_is_invalid_naming_the_field():
    assert fields_of(spec(layer={"restrict_to": {"calendar": "nope"}})) == [
        "layers[0].restrict_to.calendar"
    ]


def test_a_restriction_must_say_exactly_one_thing():
    assert fields_of(spec(layer={"restrict_to": {}})) == ["layers[0].restrict_to"]


def test_an_override_without_a_time_zone_is_invalid():
    override = {
        "covering": "bob",
        "covered": "ann",
        "start_at": "2026-01-07T09:00:00",
        "end_at": "2026-01-08T09:00:00-05:00",
    }
    assert fields_of(spec(overrides=[override])) == ["overrides[0].start_at"]


def test_an_override_for_an_unknown_role_is_invalid_naming_the_field():
    override = {
        "covering": "bob",
        "role": "commander",
        "start_at": "2026-01-07T09:00:00Z",
        "end_at": "2026-01-08T09:00:00Z",
    }
    assert fields_of(spec(overrides=[override])) == ["overrides[0].role"]


def test_removing_a_non_member_is_invalid_naming_the_remove_key():
    change = {"remove": "zed", "effective_at": "2026-02-01T00:00:00Z"}
    assert fields_of(spec(layer={"member_changes": [change]})) == [
        "layers[0].member_changes[0].remove"
    ]


def test_several_problems_are_reported_together():
    data = spec(layer={"members": [], "shift_length": "0h", "roles": []}, colour="blue")
    assert fields_of(data) == [
        "layers[0].members",
        "layers[0].shift_length",
        "layers[0].roles",
        "colour",
    ]


def test_an_unknown_coverage_calendar_is_invalid():
    assert fields_of(spec(coverage="office")) == ["coverage"]


def test_overrides_and_member_changes_from_config_take_effect():
    data = spec(
        layer={"member_changes": [{"add": "cat", "effective_at": "2026-01-12T14:00:00Z"}]},
        overrides=[
            {
                "covering": "dan",
                "role": "primary",
                "start_at": "2026-01-06T00:00:00Z",
                "end_at": "2026-01-07T00:00:00Z",
            }
        ],
    )
    schedule = parse_schedule(data)
    assert who_is_on_call(schedule, "primary", datetime(2026, 1, 6, 12, tzinfo=UTC)) == "dan"
    assert who_is_on_call(schedule, "secondary", datetime(2026, 1, 13, tzinfo=UTC)) == "cat"


def test_a_schedule_spec_dumps_to_config_form_and_reads_back_the_same():
    data = spec(
        layer={
            "restrict_to": {"days": "mon-fri"},
            "member_changes": [{"add": "cat", "effective_at": "2026-01-12T14:00:00Z"}],
        },
        overrides=[
            {
                "covering": "bob",
                "covered": "ann",
                "start_at": "2026-01-06T00:00:00Z",
                "end_at": "2026-01-07T00:00:00Z",
                "reason": "PTO",
            }
        ],
    )
    parsed = parse_schedule_spec(data)
    dumped = parsed.model_dump(mode="json")
    assert dumped["layers"][0]["shift_length"] == "1w"
    assert dumped["layers"][0]["handoff_time"] == "09:00"
    assert dumped["layers"][0]["restrict_to"]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert parse_schedule_spec(dumped) == parsed
    assert parse_schedule(dumped) == parse_schedule(data)
