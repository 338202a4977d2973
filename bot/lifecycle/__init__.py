"""The life of a request after Slack's ack, one module per job: `intake` (a new request),
`clicks` (Approve, Reject, Withdraw), `execution` (the one vendor call), `sweeps` (expiry and
start-up recovery, and the sweeper thread), `replies` (cards redrawn, private answers),
`refusals` (what the lifecycle itself says), and `workers` (the pool they run on).
`RequestService` is the facade the listeners call."""

from bot.lifecycle.service import RequestService
from bot.lifecycle.services import Origin, Services

__all__ = ["Origin", "RequestService", "Services"]
