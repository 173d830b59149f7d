"""Polling the upstream vendors' status pages: which are due is read, each is fetched
with no transaction open, and what it said is applied in a short write of its own."""

from __future__ import annotations

import json
import logging
import urllib.request
from urllib.error import HTTPError

from warroom.db.engine import Database
from warroom.domain.upstreams import Reading, Upstream, read_summary
from warroom.services.context import Context
from warroom.services.status import upstreams

log = logging.getLogger("warroom.upstreams")
TIMEOUT_S = 5.0
MAX_BYTES = 2 * 1024 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A vendor's summary is read where it was configured: a redirect is an answer."""

    def redirect_request(self, *_: object, **__: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)  # proxies from the environment honoured


def fetch(upstream: Upstream) -> Reading:
    """The vendor's summary, read; raises on any failure (HTTP, size, shape)."""
    if not upstream.url.startswith(("https://", "http://")):
        raise ValueError(f"{upstream.url} is not an http(s) URL")
    accept = {"Accept": "application/json"}
    request = urllib.request.Request(upstream.url, headers=accept)  # noqa: S310 (http(s) only)
    try:
        with _OPENER.open(request, timeout=TIMEOUT_S) as answer:
            status, body = answer.status, answer.read(MAX_BYTES + 1)
    except HTTPError as refused:
        status, body = refused.code, b""
    if status != 200:
        raise ValueError(f"HTTP {status} from {upstream.url}")
    if len(body) > MAX_BYTES:
        raise ValueError(f"{upstream.url} sent more than {MAX_BYTES} bytes")
    return read_summary(json.loads(body), upstream.components)


def poll_due(db: Database, ctx: Context) -> int:
    """Poll every upstream that is due; returns how many were polled."""
    if not ctx.config.upstreams:
        return 0
    with db.read() as session:
        due = upstreams.due(session, ctx, ctx.clock.now())
    for upstream in due:
        try:
            reading: Reading | None = fetch(upstream)
            error = ""
        except Exception as exc:  # any vendor failure is data, never a crash
            reading, error = None, f"{type(exc).__name__}: {exc}"
        try:
            with db.write.begin() as session:
                if reading is None:
                    upstreams.record_failure(session, ctx, upstream, error)
                else:
                    upstreams.apply(session, ctx, upstream, reading)
        except Exception:
            log.exception("applying upstream %s failed", upstream.name)
    return len(due)
