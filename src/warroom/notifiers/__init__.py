"""Outbound notifications: one module per kind of transport, chosen by the contact URL."""

from __future__ import annotations

from warroom.notifiers.base import Message, Transport, TransportError
from warroom.notifiers.registry import check_url, transport_for

__all__ = ["Message", "Transport", "TransportError", "check_url", "transport_for"]
