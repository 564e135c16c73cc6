"""Server-rendered pages (Jinja2 + htmx, no build step)."""
