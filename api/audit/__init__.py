"""Auditors' view of the log: who did what, when, through which command and request, and how things stood."""
