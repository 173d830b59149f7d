"""Subscribers: email (double opt-in: a confirmation link first) and webhooks, to every
component or some. Their messages go through the notification outbox (`deliver` jobs of
person `subscriber:<id>`): written with the change, sent after the commit by a worker,
retried with the same idempotency key. Every message carries an unsubscribe link (and, by
mail, the RFC 8058 headers that let a mail client unsubscribe in one click).

A repeated subscribe request answers as the first did and changes nothing, so the answer
never tells whether an address is subscribed."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.db.status_models import Subscriber
from warroom.errors import Invalid, NotFound
from warroom.notifiers import check_url
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.paging import deliveries
from warroom.services.paging.messages import Text
from warroom.services.status import webhook_hosts
from warroom.services.status.cache import mark_changed

PERSON = "subscriber:"
KINDS = ("email", "webhook")
_EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}")


def _clean_email(text: str) -> str:
    address = text.strip()
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise Invalid(f"email {text[:100]!r} is not an email address.", field="email")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean_webhook(text: str, *, allow_private: bool) -> str:
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise Invalid(f"url {text[:100]!r} is not an http(s) URL.", field="url")
    if "secret=" in parts.query or parts.username or parts.password:
        raise Invalid("url must not carry credentials or a secret= parameter.", field="url")
    if not allow_private and webhook_hosts.private_literal(parts.hostname):
        raise Invalid("url must point at a public host.", field="url")
    return url


def clean_components(config: WarroomConfig, names: list[str]) -> list[str]:
    ids = []
    for name in names:
        component = config.status_page.component(name)
        if component is None or not component.shown:
            known = ", ".join(c.name for c in config.status_page.components if c.shown)
            raise Invalid(
                f"component {name[:80]!r} is not one of: {known or 'none'}.", field="components"
            )
        ids.append(component.id)
    return sorted(set(ids))


def subscribe(
    session: Session,
    *,
    ctx: Context,
    kind: str,
    address: str,
    components: list[str] | None = None,
) -> None:
    """Add a subscriber (email ones get a confirmation link first); a known address is
    left as it is. Refuses malformed addresses and unknown components."""
    page = ctx.config.status_page
    if kind == "email":
        address = _clean_email(address)
        if not page.smtp_url:
            raise Invalid("this status page sends no email (no smtp_url).", field="email")
    elif kind == "webhook":
        address = _clean_webhook(address, allow_private=page.allow_private_webhooks)
    else:
        raise Invalid(f"kind {kind!r} is not one of {', '.join(KINDS)}.", field="kind")
    wanted = clean_components(ctx.config, components or [])
    now = ctx.clock.now()
    found = session.scalars(
        select(Subscriber).where(Subscriber.kind == kind, Subscriber.address == address)
    ).first()
    if found is not None and found.unsubscribed_at is None:
        return
    if found is None:
        found = Subscriber(kind=kind, address=address, created_at=now)
        session.add(found)
    found.components = wanted
    found.token = secrets.token_urlsafe(24)
    found.unsubscribed_at = None
    found.confirmed_at = now if kind == "webhook" else None
    session.flush()
    if kind == "email":
        link = f"{ctx.public_url}/status/confirm/{found.token}"
        body = (
            f"Someone (we hope you) asked to hear about {page.branding.name} by email.\n"
            f"Confirm by opening this link and pressing Confirm: {link}\n\n"
            "If it was not you, ignore this message: nothing more will come."
        )
        text = Text(f"Confirm your subscription to {page.branding.name}", body)
        _enqueue(session, ctx, found, text, message="status_confirm", data={}, now=now)


def by_token(session: Session, token: str, *, active: bool = False) -> Subscriber:
    """The subscriber of a link's token (`active`: not unsubscribed); NotFound if none."""
    found = session.scalars(select(Subscriber).where(Subscriber.token == token[:64])).first()
    if found is None or not token or (active and found.unsubscribed_at is not None):
        raise NotFound("This link is not valid (any more).", field="token")
    return found


def confirm(session: Session, *, ctx: Context, token: str) -> Subscriber:
    found = by_token(session, token, active=True)
    if found.confirmed_at is None:
        found.confirmed_at = ctx.clock.now()
    return found


def unsubscribe(session: Session, *, ctx: Context, token: str) -> Subscriber:
    found = by_token(session, token)
    if found.unsubscribed_at is None:
        found.unsubscribed_at = ctx.clock.now()
    return found


def active(session: Session) -> list[Subscriber]:
    query = select(Subscriber).where(
        Subscriber.confirmed_at.is_not(None), Subscriber.unsubscribed_at.is_(None)
    )
    return list(session.scalars(query.order_by(Subscriber.id)))


def notify(
    session: Session,
    *,
    ctx: Context,
    components: tuple[str, ...],
    text: Text,
    data: dict[str, Any],
) -> int:
    """Queue one message per active subscriber who follows any of these components (or
    all); returns how many."""
    now = ctx.clock.now()
    count = 0
    found = active(session)
    disabled = deliveries.disabled_by_person(session, [f"{PERSON}{s.id}" for s in found])
    for subscriber in found:
        if subscriber.components and not set(subscriber.components) & set(components):
            continue
        if disabled.get(f"{PERSON}{subscriber.id}"):  # refused for good: not tried again
            continue
        _enqueue(session, ctx, subscriber, text, message="status_update", data=data, now=now)
        count += 1
    mark_changed(session)
    return count


def unsubscribe_url(ctx: Context, subscriber: Subscriber) -> str:
    return f"{ctx.public_url}/status/unsubscribe/{subscriber.token}"


def _enqueue(
    session: Session,
    ctx: Context,
    subscriber: Subscriber,
    text: Text,
    *,
    message: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    leave = unsubscribe_url(ctx, subscriber)
    body = f"{text.body}\n\nUnsubscribe: {leave}"
    url = contact_url(ctx.config, subscriber)
    payload = {
        "person": f"{PERSON}{subscriber.id}",
        "contact": deliveries.contact_id(session, url),
        "channel": subscriber.kind,
        "message": message,
        "subject": text.subject,
        "body": body,
        "data": {**data, "meta": {"unsubscribe": leave}},
        "key": secrets.token_hex(16),
    }
    jobs.schedule(session, kind=deliveries.DELIVER, due_at=now, now=now, payload=payload)


def contact_url(config: WarroomConfig, subscriber: Subscriber) -> str:
    """Where the subscriber's messages go: the SMTP URL to their address, or their
    webhook, signed with their token."""
    if subscriber.kind == "email":
        smtp = config.status_page.smtp_url
        return f"{smtp}{'&' if '?' in smtp else '?'}to={subscriber.address}"
    joiner = "&" if "?" in subscriber.address else "?"
    return f"webhook+{subscriber.address}{joiner}secret={subscriber.token}"


def find_contact(session: Session, config: WarroomConfig, person: str, wanted: str) -> str | None:
    """The contact URL of a subscriber's delivery; None once they unsubscribed."""
    try:
        subscriber = session.get(Subscriber, int(person.removeprefix(PERSON)))
    except ValueError:
        return None
    if subscriber is None or subscriber.unsubscribed_at is not None:
        return None
    url = contact_url(config, subscriber)
    return url if deliveries.contact_id(session, url) == wanted and check_url(url) is None else None
