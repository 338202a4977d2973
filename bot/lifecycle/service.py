"""The approval-gated lifecycle of a request (SPEC §2), independent of Bolt: one facade.

Slack listeners ack first and then hand work to `RequestService` on the worker pool. Each job
has its own module: `intake` (a new request: policy → overlap → preview → store → card),
`clicks` (Approve, Reject with its reason dialog, Withdraw), `execution` (the one vendor call),
`sweeps` (expiry, start-up recovery, card-less requests), `reading` (status and history),
`breakglass` (a run without approvals), `incident_clicks` (Stop, Mark reviewed) and
`reminders` (approvers reminded, unreviewed break-glass runs announced again).
Every decision is re-read from the store and re-checked against the policy at the moment it is
taken; the store's compare-and-set transitions make each decision happen once.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import cards
from bot.lifecycle.breakglass import BreakGlass
from bot.lifecycle.clicks import Clicks
from bot.lifecycle.execution import Execution
from bot.lifecycle.incident_clicks import IncidentClicks
from bot.lifecycle.intake import Intake
from bot.lifecycle.posting import Posting
from bot.lifecycle.reading import Reading
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.lifecycle.sweeps import Sweeps
from commands.model import HistoryCommand, OperationRequest

__all__ = ["Origin", "RequestService", "Services"]


class RequestService:
    """Requests, clicks, sweeps and reads. Every public method runs on a worker, after the ack."""

    def __init__(self, services: Services) -> None:
        self.s = services
        self.replies = Replies(services)
        posting = Posting(services, self.replies)
        self.sweeps = Sweeps(services, self.replies, posting)
        execution = Execution(services, self.replies)
        break_glass = BreakGlass(services, self.replies, execution)
        self._intake = Intake(services, self.replies, posting, break_glass=break_glass)
        self._clicks = Clicks(services, self.replies, sweeps=self.sweeps, execution=execution)
        self._incident = IncidentClicks(services, self.replies)
        self._reading = Reading(services)

    def submit(
        self,
        request: OperationRequest,
        origin: Origin,
        *,
        command_text: str,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Check policy, preview, then post the approval card (or the dry run) for a request;
        with a runner, the preview and what follows run on its preview pool, and `then` once
        they are done."""
        self._intake.submit(request, origin, command_text=command_text, then=then)

    def approve(self, request_id: str, origin: Origin) -> None:
        """An Approve click: re-check everything, count the approval, execute at the threshold."""
        self._clicks.approve(request_id, origin)

    def reject(self, request_id: str, origin: Origin) -> None:
        """A Reject click by someone who may approve: opens the reason dialog, or rejects."""
        self._clicks.reject(request_id, origin)

    def reject_with_reason(self, request_id: str, origin: Origin, reason: str | None) -> None:
        """The Reject dialog was submitted (`origin` carries the card it was opened from)."""
        self._clicks.reject_with_reason(request_id, origin, reason)

    def withdraw(self, request_id: str, origin: Origin) -> None:
        """A Withdraw click: the requester takes the request back."""
        self._clicks.withdraw(request_id, origin)

    def stop(self, request_id: str, origin: Origin) -> None:
        """A Stop click: the run of a multi-call request sends no more calls."""
        self._incident.stop(request_id, origin)

    def stop_in_tab(self, request_id: str, origin: Origin) -> None:
        """Stop in the App Home tab: the card's click, or, for a run whose card Slack would
        not post, the only way to stop it."""
        self._incident.stop(request_id, origin, in_tab=True)

    def begin_shutdown(self) -> None:
        """This process is shutting down: its runs of several vendor calls send no more of
        them, as after Stop; calls in flight finish, and each run ends with what it did."""
        self.s.shutdown.begin()

    def review(self, request_id: str, origin: Origin) -> None:
        """A Mark reviewed click on a break-glass run that has ended."""
        self._incident.review(request_id, origin)

    def review_in_tab(self, request_id: str, origin: Origin) -> None:
        """Mark reviewed in the App Home tab: the card's click, or, for a run whose card Slack
        would not post, the only way to review it."""
        self._incident.review(request_id, origin, in_tab=True)

    def status(self, request_id: str, origin: Origin, *, typed: str = "") -> cards.Message:
        """`/ops status`: one request and its timeline, if the asker may see it; an unknown id
        is echoed as `typed`, when given."""
        return self._reading.status(request_id, origin, typed=typed)

    def history(self, command: HistoryCommand, origin: Origin) -> cards.Message:
        """`/ops history`: the recent requests the asker may see."""
        return self._reading.history(command, origin)

    def expire_due(self) -> int:
        """Expire every pending request past its TTL and mark its card. Returns how many."""
        return self.sweeps.expire_due()

    def recover(self) -> int:
        """At start-up: requests left `executing` become `unknown` (never retried)."""
        return self.sweeps.recover()

    def remind(self) -> int:
        """Remind approvers at half a pending request's ttl, and announce break-glass runs
        overdue for review again (once a day). Returns how many messages were due."""
        reminders = self.sweeps.reminders
        return reminders.remind_approvers() + reminders.announce_unreviewed()
