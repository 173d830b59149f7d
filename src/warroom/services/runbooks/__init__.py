"""Runbooks: the library (built-in and the config's folder) and matching to incidents."""
