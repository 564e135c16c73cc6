"""The `onwatch` command: one Typer sub-app per domain."""
