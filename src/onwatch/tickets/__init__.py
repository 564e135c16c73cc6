"""External tickets: an issue per incident in a GitHub-compatible tracker, opened and commented
through the outbox."""
