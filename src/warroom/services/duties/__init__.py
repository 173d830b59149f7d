"""Recurring duties: what is due, who is on it, who did it, and reminders."""
