"""Drills: a synthetic alert through the real path, timed from alert to acknowledgement."""
