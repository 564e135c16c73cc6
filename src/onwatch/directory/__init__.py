"""People, teams and services, and who is responsible for what."""
