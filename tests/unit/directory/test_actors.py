"""Actors as people read them when no person is linked to a login."""

from __future__ import annotations

import pytest

from onwatch.directory.actors import readable


@pytest.mark.parametrize(
    ("actor", "shown"),
    [
        ("user:demo", "demo"),
        ("token:ci", "token ci"),
        ("cli:root", "root (command line)"),
        ("system:bootstrap", "onwatch"),
        ("engine:heartbeats", "onwatch"),
        ("integration:grafana", "integration grafana"),
        ("integration", "integration"),
        ("link:ann:email", "ann via email link"),
        ("link:ann", "ann via link"),
        ("someone:else", "someone:else"),
    ],
)
def test_an_actor_without_a_linked_person_reads_as_a_phrase(actor: str, shown: str) -> None:
    assert readable(actor) == shown
