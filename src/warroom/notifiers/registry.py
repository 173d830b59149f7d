"""From a contact URL to the transport that sends to it."""

from __future__ import annotations

from warroom.notifiers import apprise_transport, webhook
from warroom.notifiers.base import Transport


def check_url(url: str) -> str | None:
    """None when warroom can send to this URL; otherwise why not."""
    if url.startswith(webhook.PREFIX):
        target = url.removeprefix(webhook.PREFIX)
        if target.startswith(("http://", "https://")) and "://" in target and len(target) > 10:
            return None
        return f"{url!r} must be webhook+https://host/path"
    if apprise_transport.is_valid(url):
        return None
    return f"{url!r} is not an Apprise URL warroom can send to (e.g. slack://, mailto://, json://)"


def transport_for(url: str, *, webhook_secret: str) -> Transport:
    if url.startswith(webhook.PREFIX):
        return webhook.SignedWebhook(url, secret=webhook_secret)
    return apprise_transport.AppriseTransport(url)
