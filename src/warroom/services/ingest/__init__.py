"""Alerts in: an integration's alerts checked, routed and applied in committed batches."""
