"""Every chat, mail and push service Apprise knows (Slack, Teams, Discord, ntfy, mailto://,
json://, …). Apprise reports only success or failure; its HTTP services log the status
they got (`error=410.`), so a refusal for good is told from a failure worth retrying.
A mail whose message has an unsubscribe link (`data.meta.unsubscribe`) carries the
one-click unsubscribe headers of RFC 8058: a mail client POSTs to that link."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from warroom.notifiers.base import Message, TransportError, refused_for_good

HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")
MAIL_SCHEMES = ("mailto://", "mailtos://")
ONE_CLICK = quote("List-Unsubscribe=One-Click", safe="")


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
        if not sender.add(_with_unsubscribe(self.url, message)):
            raise TransportError("Apprise does not understand this contact URL", permanent=True)
        with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
            delivered = sender.notify(title=message.subject, body=message.body)
        if not delivered:
            detail = " ".join(captured.getvalue().split())[:500] or "no detail from Apprise"
            statuses = [int(code) for code in HTTP_STATUS.findall(detail)]
            permanent = bool(statuses) and all(refused_for_good(code) for code in statuses)
            raise TransportError(f"Apprise could not deliver: {detail}", permanent=permanent)


def _with_unsubscribe(url: str, message: Message) -> str:
    """A mail URL with the List-Unsubscribe headers (Apprise's `+Header=value`) when the
    message has an http(s) unsubscribe link; any other URL as it is."""
    meta = message.data.get("meta")
    link = meta.get("unsubscribe") if isinstance(meta, dict) else None
    if not url.startswith(MAIL_SCHEMES) or not isinstance(link, str):
        return url
    if not link.startswith(("https://", "http://")) or any(c in link for c in "<>\r\n"):
        return url
    headers = f"+List-Unsubscribe={quote(f'<{link}>', safe='')}&+List-Unsubscribe-Post={ONE_CLICK}"
    return f"{url}{'&' if '?' in url else '?'}{headers}"
