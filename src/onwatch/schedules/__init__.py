"""Schedules: rotations, layers, restrictions and overrides resolved into who is on call, shifts,
gaps and hand-offs, plus iCal feeds. The pure modules do no I/O and take every instant as input."""
