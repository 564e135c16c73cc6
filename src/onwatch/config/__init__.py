"""Config as code: a YAML file declares the organisation; apply makes the database match it."""
