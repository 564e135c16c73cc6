"""A command group that knows its commands by name and one line of help, and imports a command's
module only when that command runs, completes or shows its own help: `onwatch --help` and the
quick commands then start without importing the web stack (FastAPI, uvicorn, the app).

The imports here are deferred for startup speed, not to dodge an import cycle."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import typer
from typer.core import MarkupMode, TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo

Command = TyperCommand | TyperGroup


@dataclass(frozen=True)
class Lazy:
    """One command of the group: `target` is "module:attribute", a Typer sub-app or a command
    function; `help` is the line `onwatch --help` shows (a test keeps it equal to the loaded
    command's own first paragraph)."""

    name: str
    target: str
    help: str

    def load(self, rich_markup_mode: MarkupMode) -> Command:
        module_name, attribute = self.target.split(":")
        found = getattr(importlib.import_module(module_name), attribute)
        if isinstance(found, typer.Typer):
            command: Command = get_group(found)
        else:
            command = get_command_from_info(  # type: ignore[assignment]
                CommandInfo(name=self.name, callback=found),
                pretty_exceptions_short=True,
                rich_markup_mode=rich_markup_mode,
            )
        command.name = self.name
        return command


class LazyGroup(TyperGroup):
    """Subclass it with `entries` set. `get_command` answers with a stand-in that carries only
    the name and the help line (what help listings and completion read); `resolve_command`,
    which click calls to run a command or show its help, imports the real one."""

    entries: ClassVar[Sequence[Lazy]] = ()

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)  # type: ignore[arg-type]
        self._by_name = {entry.name: entry for entry in self.entries}
        for entry in self.entries:
            self.commands[entry.name] = TyperCommand(
                name=entry.name, help=entry.help, rich_markup_mode=self.rich_markup_mode
            )
        self._loaded: dict[str, Command] = {}

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self._by_name)

    def load(self, name: str) -> Command:
        if name not in self._loaded:
            self._loaded[name] = self._by_name[name].load(self.rich_markup_mode)
        return self._loaded[name]

    def resolve_command(
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and name in self._by_name:
            command = self.load(name)
        return name, command, rest
