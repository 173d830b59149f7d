"""Each hot statement of db/queries reads and writes exactly what its ORM equivalent does.

Every test runs on the database the suite runs on (SQLite, or PostgreSQL when
WARROOM_TEST_DATABASE_URL is set; scripts/test runs both). Values are awkward on purpose:
quotes, percent signs, non-ASCII, NULLs, nested JSON, timestamps with microseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from tests.db.rows import add_incident

from warroom.db.engine import Database, json_text
from warroom.db.models import (
    AckToken,
    Alert,
    DisabledContact,
    Event,
    Incident,
    Integration,
    Job,
    SeenSignature,
)
from warroom.db.queries import alerts, incidents, jobs, paging
from warroom.domain.alerts import AlertStatus
from warroom.domain.incidents import OPEN_STATUSES, Status
from warroom.domain.jobs import JobStatus

AT = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
ODD = "50% ' \" é 🚨 %s"


def columns_of(row: Any, skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def _integration(session: Session, name: str) -> int:
    row = Integration(name=name, kind="generic", key_hash=f"hash-{name}", created_at=AT)
    session.add(row)
    session.flush()
    return row.id


def _alert(session: Session, integration_id: int, incident_id: int, key: str, **values: Any) -> int:
    columns: dict[str, Any] = {
        "integration_id": integration_id,
        "incident_id": incident_id,
        "dedup_key": key,
        "status": AlertStatus.FIRING.value,
        "summary": f"{ODD} {key}",
        "first_seen_at": AT,
        "last_seen_at": AT,
        "auto_resolve": "full",
    }
    row = Alert(**(columns | values))
    session.add(row)
    session.flush()
    return row.id


# --- alerts ------------------------------------------------------------------------------


def test_firing_by_key_reads_what_the_orm_selects(database: Database) -> None:
    with database.write.begin() as session:
        mine, other = _integration(session, "mine"), _integration(session, "other")
        incident = add_incident(session, at=AT)
        for n in range(6):
            _alert(session, mine, incident, f"k{n}'%", count=n + 1)
        _alert(session, mine, incident, "k0'%-old", status="resolved")
        _alert(session, other, incident, "k1'%")  # another integration's same key
    keys = ["k0'%", "k1'%", "k3'%", "k0'%-old", "never"]
    with database.read() as session:
        raw = alerts.FIRING_BY_KEY.run(session.connection(), keys, integration_id=mine)
        orm = session.execute(
            select(
                Alert.id,
                Alert.dedup_key,
                Alert.incident_id,
                Alert.count,
                Alert.summary,
                Alert.auto_resolve,
            ).where(
                Alert.integration_id == mine,
                Alert.status == AlertStatus.FIRING.value,
                Alert.dedup_key.in_(keys),
            )
        ).all()
    assert sorted(raw) == sorted(tuple(row) for row in orm)
    assert len(raw) == 3


def test_firing_counts_count_what_the_orm_counts(database: Database) -> None:
    with database.write.begin() as session:
        sender = _integration(session, "s")
        busy, calm, quiet = (add_incident(session, at=AT) for _ in range(3))
        for n in range(4):
            _alert(session, sender, busy, f"b{n}")
        _alert(session, sender, calm, "c0")
        _alert(session, sender, calm, "c1", status="resolved")
        _alert(session, sender, quiet, "q0", status="resolved")
    ids = [busy, calm, quiet, 999_999]
    with database.read() as session:
        raw = alerts.FIRING_COUNTS.run(session.connection(), ids)
        orm = session.execute(
            select(Alert.incident_id, func.count())
            .where(Alert.incident_id.in_(ids), Alert.status == AlertStatus.FIRING.value)
            .group_by(Alert.incident_id)
        ).all()
    assert sorted(raw) == sorted(tuple(row) for row in orm) == [(busy, 4), (calm, 1)]


def test_alerts_inserted_read_back_as_the_orm_writes_them(database: Database) -> None:
    with database.write.begin() as session:
        sender = _integration(session, "s")
        incident = add_incident(session, at=AT)
    given: dict[str, Any] = {
        "integration_id": sender,
        "incident_id": incident,
        "status": AlertStatus.FIRING.value,
        "summary": ODD,
        "severity": "P2",
        "source_severity": None,
        "service": "checkout",
        "source": "host-1",
        "labels": {"team": "payments", "pct": "%s"},
        "links": [{"href": "https://x.test/?a=1&b=%20", "text": "é"}],
        "details": {"nested": {"list": [1, None, "two"]}},
        "raw": {},
        "count": 3,
        "started_at": AT - timedelta(minutes=1),
        "first_seen_at": AT,
        "last_seen_at": AT + timedelta(microseconds=1),
        "resolved_at": None,
        "auto_resolve": "off",
    }
    row = {**given, "dedup_key": "raw"}
    encoded = {
        name: json_text(value) if name in alerts.JSON_COLUMNS else value
        for name, value in row.items()
    }
    with database.write.begin() as session:
        alerts.INSERT.write(session.connection(), [tuple(encoded[c] for c in alerts.ALERT_COLUMNS)])
        session.add(Alert(**given, dedup_key="orm"))
    with database.read() as session:
        stored = {
            a.dedup_key: columns_of(a, ("id", "dedup_key")) for a in session.scalars(select(Alert))
        }
    assert stored["raw"] == stored["orm"]


def test_alert_updates_by_id_change_what_the_orm_changes(database: Database) -> None:
    with database.write.begin() as session:
        sender = _integration(session, "s")
        incident = add_incident(session, at=AT)
        raw_id, orm_id = (
            _alert(session, sender, incident, "a"),
            _alert(session, sender, incident, "b"),
        )
    change = {
        "status": AlertStatus.RESOLVED.value,
        "resolved_at": AT + timedelta(seconds=5),
        "last_seen_at": AT + timedelta(seconds=5),
        "summary": ODD + " cleared",
    }
    columns = tuple(sorted(change))
    with database.write.begin() as session:
        statement = alerts.update_alerts(columns)
        statement.write(session.connection(), [(*(change[c] for c in columns), raw_id)])
        session.execute(update(Alert).where(Alert.id == orm_id).values(change))
    with database.read() as session:
        raw, orm = session.get(Alert, raw_id), session.get(Alert, orm_id)
        assert raw is not None and orm is not None
        skip = ("id", "dedup_key")
        assert columns_of(raw, skip) == columns_of(orm, skip)
        assert raw.status == AlertStatus.RESOLVED


def test_seen_keys_are_the_stored_signatures_the_orm_finds(database: Database) -> None:
    with database.write.begin() as session:
        session.add_all(SeenSignature(key=f"1:{n}'%", seen_at=AT) for n in range(3))
    keys = ["1:0'%", "1:2'%", "1:9'%"]
    with database.read() as session:
        raw = alerts.SEEN_KEYS.run(session.connection(), keys)
        orm = session.scalars(select(SeenSignature.key).where(SeenSignature.key.in_(keys))).all()
    assert sorted(row[0] for row in raw) == sorted(orm) == ["1:0'%", "1:2'%"]


# --- incidents ---------------------------------------------------------------------------


def _incident_row(**values: Any) -> tuple[Any, ...]:
    given = {
        "title": ODD,
        "summary": "",
        "impact": "",
        "severity": "P1",
        "status": Status.TRIGGERED.value,
        "source": "alert",
        "service": None,
        "channel": "inc-20260329-checkout",
        "commander": "alice",
        "comms": None,
        "scribe": None,
        "responders": "",
        "declared_at": AT,
        "acknowledged_at": None,
        "mitigated_at": None,
        "resolved_at": None,
        "closed_at": None,
        "ack_due_at": AT + timedelta(minutes=5),
        "next_update_due_at": None,
        "postmortem_due_at": None,
        "escalation_level": 0,
        "version": 1,
        "updated_at": AT,
        "group_key": None,
        "policy": {"name": "default", "repeat": 1, "steps": [{"notify": ["a"], "wait": 300}]},
        "drill": False,
        "checklist_set": "0123456789abcdef0123456789abcdef",
    } | values
    return tuple(given[c] for c in incidents.INCIDENT_COLUMNS)


def test_incidents_inserted_read_back_as_the_orm_writes_them(database: Database) -> None:
    first = _incident_row()
    with database.write.begin() as session:
        before = add_incident(session, at=AT, channel="inc-taken")
    with database.write.begin() as session:
        written = incidents.insert_incidents(
            session.connection(), [first, _incident_row(channel="inc-taken")]
        )
        orm = Incident(**dict(zip(incidents.INCIDENT_COLUMNS, first, strict=True)))
        session.add(orm)
        session.flush()
        orm_id = orm.id
    assert [taken for _, taken in written] == [False, True]  # the second: `before`'s name
    ids = [new_id for new_id, _ in written]
    assert before < ids[0] < ids[1]  # in the rows' order
    with database.read() as session:
        raw, loaded = session.get(Incident, ids[0]), session.get(Incident, orm_id)
        assert raw is not None and loaded is not None
        assert columns_of(raw) == columns_of(loaded)


def test_first_by_channel_and_renames_match_the_orm(database: Database) -> None:
    with database.write.begin() as session:
        ids = [add_incident(session, at=AT, channel=name) for name in ("a'%", "b", "a'%")]
    with database.read() as session:
        raw = incidents.FIRST_BY_CHANNEL.run(session.connection(), ["a'%", "b", "c"])
        orm = session.execute(
            select(Incident.channel, func.min(Incident.id))
            .where(Incident.channel.in_(["a'%", "b", "c"]))
            .group_by(Incident.channel)
        ).all()
    assert sorted(raw) == sorted(tuple(row) for row in orm) == [("a'%", ids[0]), ("b", ids[1])]
    with database.write.begin() as session:
        incidents.RENAME_CHANNELS.write(session.connection(), [(f"a'%-{ids[2]}", ids[2])])
    with database.read() as session:
        names = session.scalars(select(Incident.channel).order_by(Incident.id)).all()
    assert names == ["a'%", "b", f"a'%-{ids[2]}"]


def test_open_groups_are_the_open_incidents_the_orm_finds(database: Database) -> None:
    with database.write.begin() as session:
        made = {
            status: add_incident(session, at=AT, status=status.value, group_key=f"g-{status}'%")
            for status in Status
        }
        add_incident(session, at=AT, group_key=None)
    keys = [f"g-{status}'%" for status in Status] + ["g-none"]
    with database.read() as session:
        raw = incidents.OPEN_GROUPS.run(session.connection(), keys)
        orm = session.execute(
            select(Incident.group_key, Incident.id).where(
                Incident.group_key.in_(keys),
                Incident.status.in_([s.value for s in OPEN_STATUSES]),
            )
        ).all()
    assert sorted(raw) == sorted(tuple(row) for row in orm)
    assert sorted(incident_id for _, incident_id in raw) == sorted(made[s] for s in OPEN_STATUSES)


def test_states_and_triggered_versions_match_the_orm(database: Database) -> None:
    with database.write.begin() as session:
        ids = [
            add_incident(session, at=AT, status=status.value, severity=f"P{n}", version=n + 1)
            for n, status in enumerate(Status)
        ]
    wanted = [*ids, 999_999]
    with database.write.begin() as session:  # the versions are read (and locked) to write
        connection = session.connection()
        states = incidents.STATES.run(connection, wanted)
        versions = incidents.TRIGGERED_VERSIONS.run(connection, wanted)
        orm_states = session.execute(
            select(Incident.id, Incident.status, Incident.severity).where(Incident.id.in_(wanted))
        ).all()
        orm_versions = session.execute(
            select(Incident.id, Incident.version).where(
                Incident.status == Status.TRIGGERED.value, Incident.id.in_(wanted)
            )
        ).all()
    assert sorted(states) == sorted(tuple(row) for row in orm_states)
    assert len(states) == len(Status)
    assert sorted(versions) == sorted(tuple(row) for row in orm_versions) == [(ids[0], 1)]


def test_events_appended_with_their_data_encoded_read_back_as_the_orm_writes_them(
    database: Database,
) -> None:
    with database.write.begin() as session:
        incident = add_incident(session, at=AT)
    data = {"count": 2, "alerts": [{"dedup_key": ODD}, {"n": None}]}
    row = {
        "incident_id": incident,
        "at": AT,
        "recorded_at": AT + timedelta(microseconds=7),
        "actor": ODD,
        "kind": "alert",
        "text": ODD,
        "visibility": "internal",
    }
    with database.write.begin() as session:
        values = [row[c] if c != "data" else json_text(data) for c in incidents.EVENT_COLUMNS]
        incidents.APPEND_ENCODED.write(session.connection(), [tuple(values)])
        session.add(Event(**row, data=data))
    with database.read() as session:
        raw, orm = session.scalars(select(Event).order_by(Event.id)).all()
    assert columns_of(raw) == columns_of(orm)
    assert raw.data == data


# --- jobs --------------------------------------------------------------------------------


def test_jobs_scheduled_take_the_column_defaults_as_the_orm_does(database: Database) -> None:
    with database.write.begin() as session:
        incident = add_incident(session, at=AT)
    rows = [
        ("page", incident, {"step": 0, "note": ODD}, AT, AT),
        ("reminder", None, {}, AT + timedelta(minutes=1), AT),
    ]
    with database.write.begin() as session:
        jobs.SCHEDULE.write(session.connection(), rows)
        for kind, incident_id, payload, due_at, created_at in rows:
            session.add(
                Job(
                    kind=kind,
                    incident_id=incident_id,
                    payload=payload,
                    due_at=due_at,
                    created_at=created_at,
                )
            )
    with database.read() as session:
        stored = [columns_of(job) for job in session.scalars(select(Job).order_by(Job.id))]
    assert stored[:2] == stored[2:]
    assert {job["status"] for job in stored} == {JobStatus.PENDING}
    assert {job["attempts"] for job in stored} == {0}


def _jobs(session: Session, now: datetime) -> dict[str, int]:
    """Jobs in every state a claim must tell apart; their ids by name."""
    made = {
        "due": Job(kind="page", due_at=now - timedelta(seconds=2), status="pending"),
        "due_other": Job(kind="deliver", due_at=now - timedelta(seconds=1), status="pending"),
        "later": Job(kind="page", due_at=now + timedelta(minutes=1), status="pending"),
        "stale": Job(
            kind="page",
            due_at=now - timedelta(minutes=9),
            status="running",
            claimed_by="dead",
            lease_until=now - timedelta(seconds=1),
            attempts=2,
        ),
        "held": Job(
            kind="page",
            due_at=now - timedelta(minutes=9),
            status="running",
            claimed_by="other",
            lease_until=now + timedelta(minutes=1),
            attempts=1,
        ),
        "done": Job(kind="page", due_at=now - timedelta(minutes=9), status="done"),
    }
    for job in made.values():
        job.created_at = now - timedelta(minutes=10)
        job.payload = {"job": ODD}
        session.add(job)
    session.flush()
    return {name: job.id for name, job in made.items()}


CLAIMED_KEYS = ("id", "kind", "incident_id", "payload", "due_at", "attempts")


@pytest.mark.parametrize("kind", [None, "page"])
def test_a_claim_takes_and_changes_what_the_orm_finds_claimable(
    database: Database, kind: str | None
) -> None:
    now = AT
    with database.write.begin() as session:
        ids = _jobs(session, now)
    claimable = ["due", "stale"] + (["due_other"] if kind is None else [])
    with database.read() as session:
        orm = session.scalars(
            select(Job).where(
                jobs.claimable(now), *([Job.kind == kind] if kind is not None else [])
            )
        ).all()
        before = {job.id: columns_of(job) for job in orm}
    assert sorted(before) == sorted(ids[name] for name in claimable)
    values = {"claim_now": now, "claim_limit": 10, "claim_worker": "w1'%"}
    values["claim_lease"] = now + timedelta(minutes=2)
    with database.write.begin() as session:
        if kind is None:
            claimed = jobs.CLAIM.run(session.connection(), **values)
        else:
            claimed = jobs.CLAIM_KIND.run(session.connection(), **values, claim_kind=kind)
    with database.read() as session:
        after = {job.id: job for job in session.scalars(select(Job))}
    assert sorted(row[0] for row in claimed) == sorted(before)
    for row in claimed:
        job = after[row[0]]
        assert row == tuple(getattr(job, key) for key in CLAIMED_KEYS)
        assert (job.status, job.claimed_by, job.lease_until) == (
            JobStatus.RUNNING,
            "w1'%",
            now + timedelta(minutes=2),
        )
        assert job.attempts == before[job.id]["attempts"] + 1
    untouched = set(ids.values()) - set(before)
    assert all(after[i].claimed_by in (None, "other") for i in untouched)


def test_a_peek_reads_what_the_orm_selects(database: Database) -> None:
    now = AT
    with database.write.begin() as session:
        _jobs(session, now)
    with database.read() as session:
        raw = jobs.peek(("deliver", "page")).run(session.connection(), now=now, limit=10)
        orm = session.scalars(
            select(Job)
            .where(
                Job.status == JobStatus.PENDING.value,
                Job.due_at <= now,
                Job.kind.in_(["deliver", "page"]),
            )
            .order_by(Job.due_at)
        ).all()
    assert raw == [tuple(getattr(job, key) for key in CLAIMED_KEYS) for job in orm]
    assert len(raw) == 2


def test_finish_marks_done_only_what_the_worker_holds(database: Database) -> None:
    now = AT
    with database.write.begin() as session:
        ids = _jobs(session, now)
        session.execute(
            update(Job).where(Job.id == ids["due"]).values(status="running", claimed_by="me")
        )
    later = now + timedelta(seconds=3, microseconds=5)
    wanted = [ids["due"], ids["held"], ids["later"]]
    with database.write.begin() as session:
        done = jobs.FINISH.run(session.connection(), wanted, now=later, worker="me")
    assert done == [(ids["due"],)]
    with database.read() as session:
        job = session.get(Job, ids["due"])
        held = session.get(Job, ids["held"])
        assert job is not None and held is not None
        assert (job.status, job.finished_at, job.lease_until) == (JobStatus.DONE, later, None)
        assert held.status == JobStatus.RUNNING


# --- paging ------------------------------------------------------------------------------


def test_ack_links_inserted_read_back_as_the_orm_writes_them(database: Database) -> None:
    with database.write.begin() as session:
        incident = add_incident(session, at=AT)
    row = ("h" * 64, incident, ODD, AT, AT + timedelta(days=1))
    with database.write.begin() as session:
        paging.INSERT_ACK_LINKS.write(session.connection(), [row])
        names = ("token_hash", "incident_id", "person", "created_at", "expires_at")
        session.add(AckToken(**dict(zip(names, row, strict=True))))
    with database.read() as session:
        raw, orm = session.scalars(select(AckToken).order_by(AckToken.id)).all()
    assert columns_of(raw) == columns_of(orm)
    assert raw.used_at is None


def test_disabled_contacts_are_what_the_orm_finds(database: Database) -> None:
    with database.write.begin() as session:
        for person, url in [("a'%", "mailto:a@x.test"), ("a'%", "tel:+1"), ("b", "tel:+2")]:
            session.add(DisabledContact(person=person, url=url, reason="gone", disabled_at=AT))
    people = ["a'%", "c"]
    with database.read() as session:
        raw = paging.DISABLED.run(session.connection(), people)
        orm = session.execute(
            select(DisabledContact.person, DisabledContact.url).where(
                DisabledContact.person.in_(people)
            )
        ).all()
    assert sorted(raw) == sorted(tuple(row) for row in orm)
    assert len(raw) == 2


def test_keys_go_as_one_parameter_whatever_their_number(database: Database) -> None:
    """One SQL text for 0, 1 or 900 keys (more than SQLite's old 999-marker habit)."""
    with database.write.begin() as session:
        ids = [add_incident(session, at=AT) for _ in range(3)]
    with database.read() as session:
        connection = session.connection()
        for keys in ([], ids[:1], [*ids, *range(10_000, 10_900)]):
            found = incidents.STATES.run(connection, keys)
            assert sorted(row[0] for row in found) == sorted(set(keys) & set(ids))
        dialect = connection.dialect
    [param] = incidents.STATES.parameters(dialect, ids)
    assert (orjson.loads(param) if dialect.name == "sqlite" else param) == ids
