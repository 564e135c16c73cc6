"""Telling stakeholders: subscriber lists, status updates and e-mails composed from a template,
their reminders and deadlines, and release announcements."""
