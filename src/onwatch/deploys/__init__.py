"""Deploy records and the watch after each deploy: what a release brought (new issues,
regressions, a rise in error rate) told to whoever deployed it."""
