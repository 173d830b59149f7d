"""The demo's inbox: contacts `demo://inbox/NAME`, which only the demo's config
(`warroom serve --demo`) may name. A send reaches no network: the worker keeps the message
in the database as it records the send (services/demo_inbox), and /demo/inbox shows it."""

from __future__ import annotations

import re

from warroom.notifiers.base import Message

PREFIX = "demo://inbox/"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")


def is_demo(url: str) -> bool:
    return url.startswith("demo://")


def person_of(url: str) -> str:
    """Whose inbox a demo contact URL is."""
    return url.removeprefix(PREFIX)


def check(url: str, *, allowed: bool) -> str | None:
    """None when this demo contact may be used; otherwise why not."""
    if not allowed:
        return f"{url!r}: demo:// contacts exist only in the demo (warroom serve --demo)"
    if not url.startswith(PREFIX) or not _NAME.fullmatch(person_of(url)):
        return f"{url!r} must be {PREFIX}NAME"
    return None


class DemoInbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: Message) -> None:
        """Nothing to do here: the message is kept when the send is recorded."""
