"""A play (seed 001's "Mobile Incident Response Plays"): the runbook a post-mortem's resolution
becomes, for the next incident of the same service. Pure: what the play says."""

from __future__ import annotations

MAX_TITLE = 200


def resolution(markdown: str) -> str:
    """The post-mortem's "Resolution" section (without its heading); the whole document, less
    its title, when it has none."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if _heading(line) == "resolution"), None)
    if start is None:
        body = [line for line in lines if not line.startswith("# ")]
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        body = lines[start + 1 : end]
    return "\n".join(body).strip()


def _heading(line: str) -> str | None:
    return line[3:].strip().lower() if line.startswith("## ") else None


def play_markdown(title: str, postmortem: str, *, incident_id: int, incident_title: str) -> str:
    """The play's runbook: its title, where it came from, and what resolved it then."""
    steps = resolution(postmortem) or "Nothing was written about the resolution."
    return (
        f"# {title}\n\n"
        f"Saved from incident #{incident_id} ({incident_title}): what resolved it then.\n\n"
        f"## What resolved it\n\n{steps}\n"
    )
