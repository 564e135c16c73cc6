"""Where error tracking's things are in the UI, for the links that messages and tickets carry.
Imports nothing of errors/, so any module of it may use it."""

from __future__ import annotations


def issue_path(issue_id: int) -> str:
    return f"/errors/{issue_id}"
