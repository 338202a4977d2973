"""Break-glass (SPEC §11): a request run at once, without approvals, for a named incident.

The requester must be in the operation's ``break_glass`` list (`bot.policy.incident`); the
intake checks that, the overlap rule and the preview as for any request, but a preview that
finds trouble does not hold it back (the incident is the force). Then, in one transaction, the
request is stored and moved to executing (``requested``, ``break_glass``, ``executing``); the
card, marked BREAK-GLASS and mentioning the approvers, goes to the channel on the Slack pool
while the vendor call starts. A card Slack will not post does not stop the call: the requester
is told privately. Once it ends, the card offers **Mark reviewed** to the approvers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import cards
from bot.lifecycle import incident_words
from bot.lifecycle.card_post import post_card
from bot.lifecycle.execution import Execution
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.model import RequestPreview, RequestRecord
from bot.observability.logs import bind
from bot.slack.port import SlackPostError
from commands.model import OperationRequest

log = logging.getLogger(__name__)


class BreakGlass:
    """Runs a break-glass request the policy allowed. Runs on a worker, after the ack."""

    def __init__(self, services: Services, replies: Replies, execution: Execution) -> None:
        self.s = services
        self.replies = replies
        self._execution = execution

    def run(self, request: OperationRequest, origin: Origin, preview: RequestPreview) -> None:
        """Store the request executing, post its card, and make the vendor call.

        Raises:
            OverlapError: An open request holds some of the targets (nothing was stored; the
                caller refuses it as any overlapping request is refused).
        """
        record = self.s.store.create_request(
            request,
            requester=origin.user,
            channel=origin.channel,
            policy=self.s.policy.for_operation(request.operation),
            sandbox=self.s.adapters.is_sandboxed(request.vendor),
            preview=preview,
            exclusive=True,
            break_glass=True,
            step=origin.step,
        )
        bind(request_id=record.id)
        dropped = request.duplicates
        self._execution.run(record, first=lambda: self._announce(record, origin, dropped))

    def _announce(self, record: RequestRecord, origin: Origin, dropped: int) -> None:
        """Tell the requester (and how many repeated targets were dropped), and queue the
        card's post, as the call's lease is held."""
        notice = cards.notice_message(incident_words.breaking_glass(record, dropped=dropped))
        self._despite_slack("answer the requester", lambda: self.replies.answer(origin, notice))
        # Queued first, so the card is usually up before the call ends; never waited for.
        self._despite_slack("post the card", lambda: self.replies.later(lambda: self._post(record)))

    @staticmethod
    def _despite_slack(what: str, job: Callable[[], None]) -> None:
        """Run `job`, which only talks to Slack, and log its failure instead of raising it: the
        request is already stored executing, so nothing Slack does may keep the vendor call
        that follows from running (it would be left executing, then wrongly marked unknown)."""
        try:
            job()
        except Exception as exc:
            log.warning("break-glass: could not %s: %s: %s", what, type(exc).__name__, exc)

    def _post(self, record: RequestRecord) -> None:
        try:
            ts = post_card(self.s.slack, record.channel, self.replies.card(record), record.id)
        except SlackPostError as exc:
            warning = incident_words.break_glass_card_not_posted(record, exc.error)
            self.replies.tell_requester(record, cards.warning_message(warning))
            return
        self.s.store.set_message(record.id, channel=record.channel, ts=ts)
        # The call may have moved on while the card was on its way: show where it is now.
        current = self.s.store.get(record.id)
        if current is not None and current.model_copy(update={"message_ts": None}) != record:
            self.replies.refresh_card(record)
