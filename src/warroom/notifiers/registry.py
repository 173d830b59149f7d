"""From a contact URL to the transport that sends to it."""

from __future__ import annotations

from warroom.notifiers import apprise_transport, demo, posting, webhook
from warroom.notifiers.base import Transport


def check_url(url: str, *, demo_allowed: bool = False) -> str | None:
    """None when warroom can send to this URL; otherwise why not. Demo contacts are
    allowed only in the demo's config."""
    if demo.is_demo(url):
        return demo.check(url, allowed=demo_allowed)
    if url.startswith(webhook.PREFIX):
        target, secret = webhook.split_secret(url)
        if not target.startswith(("http://", "https://")) or len(target) < 12:
            return f"{url!r} must be webhook+https://host/path?secret=…"
        if not secret or len(secret) < 16:
            return f"{url!r} needs ?secret= of at least 16 characters to sign with"
        return posting.url_problem(target)
    if apprise_transport.is_valid(url):
        return None
    return f"{url!r} is not an Apprise URL warroom can send to (e.g. slack://, mailto://, json://)"


def transport_for(url: str, *, public_only: bool = False) -> Transport:
    """The transport for a contact URL; `public_only`: a webhook that must reach a public
    address (a status page subscriber's)."""
    if demo.is_demo(url):
        return demo.DemoInbox(url)
    if url.startswith(webhook.PREFIX):
        return webhook.SignedWebhook(url, public_only=public_only)
    return apprise_transport.AppriseTransport(url)
