"""Atom and RSS feeds of the public incidents and maintenance: one entry each, its public
updates as the content, newest first."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from html import escape as html_escape
from xml.sax.saxutils import escape

from warroom.services.status.snapshot import PublicUpdate, Snapshot
from warroom.services.status.statuspage import stamp

ENTRIES = 50


class Entry:
    def __init__(self, key: str, title: str, updated: datetime, updates: tuple[PublicUpdate, ...]):
        self.key = key
        self.title = title
        self.updated = updated
        self.updates = updates

    @property
    def html(self) -> str:
        return "".join(
            f"<p><small>{stamp(u.at)}</small><br><strong>{html_escape(u.status.title())}</strong>"
            f" - {html_escape(u.body)}</p>"
            for u in self.updates
        )


def entries(snap: Snapshot) -> list[Entry]:
    found = [Entry(i.ref, i.name, i.updated_at, i.updates) for i in snap.incidents]
    found += [
        Entry(f"maintenance-{m.id}", f"Maintenance: {m.name}", m.updated_at, m.updates)
        for m in snap.maintenances
    ]
    return sorted(found, key=lambda e: e.updated, reverse=True)[:ENTRIES]


def atom(snap: Snapshot) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<id>{escape(snap.url)}</id>",
        f"<title>{escape(snap.branding.name)} status</title>",
        f"<updated>{stamp(snap.updated_at)}</updated>",
        f'<link rel="alternate" type="text/html" href="{escape(snap.url)}"/>',
        f'<link rel="self" type="application/atom+xml" href="{escape(snap.url)}/feed.atom"/>',
        f"<author><name>{escape(snap.branding.name)}</name></author>",
    ]
    for entry in entries(snap):
        link = f"{snap.url}#{entry.key}"
        parts += [
            "<entry>",
            f"<id>{escape(link)}</id>",
            f"<title>{escape(entry.title)}</title>",
            f"<updated>{stamp(entry.updated)}</updated>",
            f'<link rel="alternate" type="text/html" href="{escape(link)}"/>',
            f'<content type="html">{escape(entry.html)}</content>',
            "</entry>",
        ]
    parts.append("</feed>\n")
    return "\n".join(parts).encode()


def rss(snap: Snapshot) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"'
        ' xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        f"<title>{escape(snap.branding.name)} status</title>",
        f"<link>{escape(snap.url)}</link>",
        f"<description>{escape(snap.description)}</description>",
        f'<atom:link href="{escape(snap.url)}/feed.rss" rel="self" type="application/rss+xml"/>',
        f"<lastBuildDate>{format_datetime(snap.updated_at)}</lastBuildDate>",
    ]
    for entry in entries(snap):
        link = f"{snap.url}#{entry.key}"
        parts += [
            "<item>",
            f"<title>{escape(entry.title)}</title>",
            f"<link>{escape(link)}</link>",
            f'<guid isPermaLink="false">{escape(link)}-{stamp(entry.updated)}</guid>',
            f"<pubDate>{format_datetime(entry.updated)}</pubDate>",
            f"<description>{escape(entry.html)}</description>",
            "</item>",
        ]
    parts.append("</channel></rss>\n")
    return "\n".join(parts).encode()
