"""The job kinds the worker runs, each with its handler.

The worker hands each kind's handler a batch of its due jobs: most run them one by one,
paging runs a batch with a few statements in all."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from warroom.services import jobs, retention
from warroom.services.checks import runs as check_runs
from warroom.services.context import Context
from warroom.services.duties import board as duty_board
from warroom.services.incidents import deadlines, reminders
from warroom.services.paging import escalation, handoffs
from warroom.services.postmortems import actions, documents
from warroom.services.status import maintenance, publishing, stakeholders, transitions

Handler = Callable[[Session, Context, jobs.Claimed], None]
Drafts = Mapping[int, object]  # by job id: work a handler's jobs did before the transaction
BatchHandler = Callable[[Session, Context, list[jobs.Claimed], Drafts], None]  # one kind
Drafter = Callable[[Session, Context, list[jobs.Claimed]], Drafts]


def each(handler: Handler) -> BatchHandler:
    """A handler of one job as a handler of a batch: the jobs one after another."""

    def run(session: Session, ctx: Context, batch: list[jobs.Claimed], _: Drafts) -> None:
        for job in batch:
            handler(session, ctx, job)

    return run


HANDLERS: dict[str, BatchHandler] = {
    deadlines.ACK_OVERDUE: each(reminders.ack_overdue),
    deadlines.UPDATE_OVERDUE: each(reminders.update_overdue),
    deadlines.ESCALATE: each(reminders.escalate),
    deadlines.MONITORING_OVER: each(reminders.monitoring_over),
    deadlines.POSTMORTEM_DUE: each(reminders.postmortem_due),
    escalation.PAGE: escalation.page,
    handoffs.HANDOFF: each(handoffs.remind),
    retention.PURGE: retention.purge,
    publishing.PUBLIC_UPDATE_DUE: each(publishing.public_update_due),
    maintenance.START: each(maintenance.start),
    maintenance.END: each(maintenance.end),
    transitions.RECORD: each(transitions.record_job),
    stakeholders.STAKEHOLDER_UPDATE: each(stakeholders.send_update),
    deadlines.POSTMORTEM_DRAFT: each(documents.draft_job),
    actions.ACTION_DUE: each(actions.remind),
    check_runs.RUN: check_runs.start,
    duty_board.REMIND: each(duty_board.remind),
}

# Kinds whose jobs the worker drafts before its transaction, from a read (they only read):
# what a job does under the write lock is then only what must be there.
DRAFTERS: dict[str, Drafter] = {
    escalation.PAGE: escalation.draft,
}
