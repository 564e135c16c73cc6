"""Items of one section that name each other (services and the services they depend on): the
order to write them in, and the cycles that make any order impossible. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def dependencies_first(names: Sequence[str], needs: Mapping[str, Sequence[str]]) -> list[int]:
    """Indexes of `names` ordered so each comes after the names it needs. Names outside
    `names` are ignored; a cycle keeps file order (it is reported by `cycles`)."""
    index = {name: i for i, name in enumerate(names)}
    done: list[int] = []
    state: dict[int, str] = {}

    def visit(i: int) -> None:
        if state.get(i):
            return
        state[i] = "visiting"
        for name in needs.get(names[i], ()):
            j = index.get(name)
            if j is not None and not state.get(j):
                visit(j)
        state[i] = "done"
        done.append(i)

    for i in range(len(names)):
        visit(i)
    return done


def cycles(needs: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Each distinct cycle of the graph once, as the names along it (`[a, b]` for a → b → a),
    starting from its earliest name in `needs` order. A name needing itself is not a cycle
    here; the item's own checks report that."""
    order = {name: i for i, name in enumerate(needs)}
    found: dict[frozenset[str], list[str]] = {}
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = "visiting"
        stack.append(name)
        for other in needs.get(name, ()):
            if other == name or other not in needs:
                continue
            if state.get(other) == "visiting":
                cycle = stack[stack.index(other) :]
                first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                found.setdefault(frozenset(cycle), cycle[first:] + cycle[:first])
            elif not state.get(other):
                visit(other)
        stack.pop()
        state[name] = "done"

    for name in needs:
        if not state.get(name):
            visit(name)
    return list(found.values())
