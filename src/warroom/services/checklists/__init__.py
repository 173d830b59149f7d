"""Checklists of incidents: what is done, by whom, and ticking by hand."""
