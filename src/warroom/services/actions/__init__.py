"""Diagnostic and mitigation actions run from an incident."""
