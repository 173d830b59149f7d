"""Incidents: lifecycle, openings, roles, timeline, deadlines and reminders, and their views."""
