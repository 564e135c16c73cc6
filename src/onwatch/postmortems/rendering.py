"""A post-mortem's Markdown as HTML (pure): CommonMark with tables, raw HTML shown as text,
links only of safe schemes (markdown-it's own check), so an edit cannot inject script."""

from __future__ import annotations

import html

from markdown_it import MarkdownIt


def to_html(markdown: str) -> str:
    """The body's HTML fragment."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)


def document(markdown: str, title: str) -> str:
    """A standalone HTML page of the post-mortem (the .html export)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}table{border-collapse:collapse;display:block;"
        "overflow-x:auto}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
        "</style></head><body>\n"
        f"{to_html(markdown)}</body></html>\n"
    )
