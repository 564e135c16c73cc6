"""Calendars: business hours by weekday in a time zone, holiday sets, extra dates, coverage windows
across zones, and the acknowledgement deadline each instant gets. Pure: no I/O, `now` passed in."""
