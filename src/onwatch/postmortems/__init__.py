"""Post-mortems: the draft generated from an incident, editing and publishing, action items, the
review meeting and its invitation, and plays saved from a resolution."""
