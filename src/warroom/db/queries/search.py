"""Full-text ranking of some documents against some words, by the database's own search:
SQLite's FTS5 (BM25, in a temporary table) or PostgreSQL's text search (ts_rank)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def rank(
    session: Session, docs: dict[int, str], words: list[str], *, limit: int
) -> dict[int, float]:
    """The documents that match any of the words, by id, with their score (higher: better);
    at most `limit` of them."""
    if session.get_bind().dialect.name == "sqlite":
        return _rank_sqlite(session, docs, words, limit)
    return _rank_postgresql(session, docs, words, limit)


def _rank_sqlite(
    session: Session, docs: dict[int, str], words: list[str], limit: int
) -> dict[int, float]:
    session.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.similar_docs "
            "USING fts5(body, tokenize='porter unicode61')"
        )
    )
    session.execute(text("DELETE FROM temp.similar_docs"))
    try:
        session.execute(
            text("INSERT INTO temp.similar_docs(rowid, body) VALUES (:id, :body)"),
            [{"id": i, "body": body} for i, body in docs.items()],
        )
        query = " OR ".join(f'"{word}"' for word in words)
        rows = session.execute(
            text(
                "SELECT rowid, -bm25(similar_docs) FROM temp.similar_docs "
                "WHERE similar_docs MATCH :query ORDER BY rank LIMIT :limit"
            ),
            {"query": query, "limit": limit},
        )
        return {int(i): float(score) for i, score in rows}
    finally:
        session.execute(text("DELETE FROM temp.similar_docs"))


def _rank_postgresql(
    session: Session, docs: dict[int, str], words: list[str], limit: int
) -> dict[int, float]:
    rows = session.execute(
        text(
            "SELECT t.id, ts_rank(to_tsvector('english', t.body), q) "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:bodies AS text[])) AS t(id, body), "
            "to_tsquery('english', :query) AS q "
            "WHERE to_tsvector('english', t.body) @@ q ORDER BY 2 DESC LIMIT :limit"
        ),
        {
            "ids": list(docs),
            "bodies": list(docs.values()),
            "query": " | ".join(words),
            "limit": limit,
        },
    )
    return {int(i): float(score) for i, score in rows}
