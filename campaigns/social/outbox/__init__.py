"""The outbox: workers claim due publications, publish them, and record what the platform said.

A worker's loop, one short transaction per step (see DESIGN.md, "The publishing pipeline")::

    with transaction:  claimed = claim_due_publications(session, worker_id=..., now=utcnow())
    sent = []
    for publication in claimed:
        outgoing = outgoing_post(publication, media_root=...)
        client = client_for(publication.channel, ...)
        if publication.status == "reconciling":       # its last lease expired mid-publish
            found = client.find_published(outgoing, since=reconcile_since(publication))
            with transaction:  decision = resolve_reconcile(session, publication=..., found=found, ...)
            if decision is not ReconcileDecision.RETRY:
                continue
        try:
            result = client.publish(outgoing)
        except PlatformError as error:
            with transaction:  record_failure(session, publication=..., error=error, ...)
        else:
            sent.append(Sent(publication, result, utcnow()))
    with transaction:  record_successes(session, sent, worker_id=..., now=utcnow())

Claims are exclusive: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, and on both databases
every state change is a conditional ``UPDATE`` that only one transaction can win. The rate budget
of a channel is a row per window, consumed by an atomic upsert in the claiming transaction (one
statement for all the channels of a claim), so however many workers run, a channel never gets
more than its budget. A batch's claims and its successes each cost a handful of statements, not a
handful per publication; ``scheduler/worker.py`` says when a success may wait for its batch.
"""

from campaigns.social.outbox.budgets import budget_used, prune_budgets, respect_allowance
from campaigns.social.outbox.claims import (
    claim_due_publications,
    mark_sending,
    release_unsent,
    renew_claims,
)
from campaigns.social.outbox.common import IN_FLIGHT, WAITING, outgoing_post
from campaigns.social.outbox.holding import hold_missed_publications
from campaigns.social.outbox.reconcile import (
    RECONCILE_SLACK,
    ReconcileDecision,
    reconcile_since,
    record_reconcile_failure,
    resolve_reconcile,
)
from campaigns.social.outbox.recording import (
    Sent,
    record_failure,
    record_success,
    record_successes,
)

__all__ = [
    "IN_FLIGHT",
    "RECONCILE_SLACK",
    "WAITING",
    "ReconcileDecision",
    "Sent",
    "budget_used",
    "claim_due_publications",
    "hold_missed_publications",
    "mark_sending",
    "outgoing_post",
    "prune_budgets",
    "reconcile_since",
    "record_failure",
    "record_reconcile_failure",
    "record_success",
    "record_successes",
    "release_unsent",
    "renew_claims",
    "resolve_reconcile",
    "respect_allowance",
]
