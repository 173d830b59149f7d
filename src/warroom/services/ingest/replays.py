"""Each signed webhook request is taken once.

A signature's timestamp keeps a captured request from being replayed later than
`signatures.TOLERANCE_SECONDS`; inside that window the signature itself is the request's
identity. The group-commit writer takes a batch's signatures in its transaction: one that
is stored already (or came earlier in the same batch) is a replay, and its request is
refused; the others are stored with the alerts they brought, so a replay racing its
original through another process meets the unique index and is then refused on the
writer's retry. Rows older than twice the window can no longer match and are deleted as
new ones come.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from warroom.db.queries.alerts import SEEN, SEEN_KEYS
from warroom.domain.signatures import TOLERANCE_SECONDS
from warroom.services.ingest.prep import Submission

KEEP = timedelta(seconds=2 * TOLERANCE_SECONDS)


class Replayed(Exception):
    """This signed request was taken before."""


def take(session: Session, submissions: list[Submission], *, now: datetime) -> set[int]:
    """Store the signatures of a batch's signed submissions; the indexes of the replays."""
    keys = {
        index: f"{submission.sender.id}:{submission.signature}"
        for index, submission in enumerate(submissions)
        if submission.signature is not None
    }
    if not keys:
        return set()
    taken = {row[0] for row in SEEN_KEYS.run(session.connection(), sorted(set(keys.values())))}
    replays = set()
    fresh = []
    for index, key in keys.items():
        if key in taken:
            replays.add(index)
        else:
            taken.add(key)
            fresh.append({"key": key, "seen_at": now})
    session.execute(delete(SEEN).where(SEEN.c.seen_at < now - KEEP))
    if fresh:
        session.execute(insert(SEEN), fresh)
    return replays
