"""Every chat, mail and push service Apprise knows (Slack, Teams, Discord, ntfy, mailto://,
json://, …). Apprise reports only success or failure, so a failure is retried."""

from __future__ import annotations

from typing import Any

from warroom.notifiers.base import Message, TransportError


def _apprise() -> Any:
    """Apprise, imported on first use: loading its hundred plugins slows every start."""
    import apprise

    return apprise


def is_valid(url: str) -> bool:
    return bool(_apprise().Apprise().add(url))


class AppriseTransport:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: Message) -> None:
        apprise = _apprise()
        sender = apprise.Apprise()
        if not sender.add(self.url):
            raise TransportError("Apprise does not understand this contact URL", permanent=True)
        with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
            delivered = sender.notify(title=message.subject, body=message.body)
        if not delivered:
            detail = " ".join(captured.getvalue().split())[:500] or "no detail from Apprise"
            raise TransportError(f"Apprise could not deliver: {detail}")
