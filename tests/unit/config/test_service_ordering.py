"""Services that name each other: the order to write them in, and the cycles that forbid any."""

from __future__ import annotations

from onwatch.config.ordering import cycles, dependencies_first


def test_a_service_is_written_after_the_services_it_depends_on() -> None:
    names = ["web", "api", "db"]
    needs = {"web": ["api"], "api": ["db"], "db": []}
    assert [names[i] for i in dependencies_first(names, needs)] == ["db", "api", "web"]


def test_names_outside_the_file_do_not_change_the_order() -> None:
    names = ["web", "api"]
    assert dependencies_first(names, {"web": ["stored-elsewhere"], "api": []}) == [0, 1]


def test_a_cycle_keeps_file_order_for_its_members() -> None:
    names = ["a", "b"]
    assert dependencies_first(names, {"a": ["b"], "b": ["a"]}) == [1, 0]


def test_a_two_service_cycle_is_found_once() -> None:
    assert cycles({"a": ["b"], "b": ["a"]}) == [["a", "b"]]


def test_a_cycle_is_named_from_its_earliest_declared_member() -> None:
    assert cycles({"web": ["api"], "queue": ["web"], "api": ["queue"]}) == [["web", "api", "queue"]]


def test_a_diamond_is_not_a_cycle() -> None:
    assert cycles({"web": ["api", "auth"], "api": ["db"], "auth": ["db"], "db": []}) == []


def test_a_service_needing_itself_is_left_to_the_item_checks() -> None:
    assert cycles({"a": ["a"]}) == []


def test_separate_cycles_are_each_reported() -> None:
    needs = {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"], "e": []}
    assert cycles(needs) == [["a", "b"], ["c", "d"]]


def test_names_not_in_the_graph_are_ignored() -> None:
    assert cycles({"a": ["missing"]}) == []
