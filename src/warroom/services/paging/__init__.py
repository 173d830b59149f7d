"""Paging: policies run step by step, the notifications they send, and what comes back."""
