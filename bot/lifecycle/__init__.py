"""The life of a request after Slack's ack, one module per job: `intake` (a new request),
`clicks` (Approve, Reject and its dialog, Withdraw, each bound to its card), `execution` (the
one vendor call), `sweeps` (expiry, start-up recovery, card-less requests, and the sweeper
thread), `posting` (a card, or the end of a request Slack will not show), `reading` (status and
history, to those who may read them), `replies` (answers and the requester's messages),
`painter` (card redraws, in order), `refusals` (what the lifecycle itself says), `mishaps`
(what it says when it could not do what was asked), `breakglass` (a run without approvals, for
an incident), `incident_clicks` (Stop and Mark reviewed), `reminders` (approvers at half the
ttl, unreviewed break-glass runs), and `workers` (the pools they run on, with `lanes` for
previews). `RequestService` is the facade the listeners call."""

from bot.lifecycle.service import RequestService
from bot.lifecycle.services import Origin, Services

__all__ = ["Origin", "RequestService", "Services"]
