"""Reminders nobody clicks for (SPEC §8, §11), run by the sweeper:

- a pending request still undecided at half its ttl: its approvers are reminded once, in the
  card's thread (policy ``remind``; mentioned unless ``notify_approvers = false``);
- a break-glass run still unreviewed past its ``review_within``: announced again in its
  channel (a thread reply on its card, broadcast to the channel), once a day until reviewed.
  A run whose card Slack would not post when it ran gets its card then.

Each is claimed in the store first, so with several processes sharing the database exactly
one sends it. A reminder Slack refuses is logged and not retried: the card still stands.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Final

from bot.cards import Message
from bot.cards.incident import approvers_of, reminder_message, review_announcement
from bot.lifecycle.card_post import post_card, up_already
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.model import Approvers, RequestRecord
from bot.observability.logs import log_context
from bot.slack.port import SlackPostError
from bot.store import SYSTEM_ACTOR

log = logging.getLogger(__name__)

#: How often an unreviewed break-glass run is announced again.
ANNOUNCE_EVERY: Final = timedelta(days=1)


class Reminders:
    """Reminds approvers of pending requests and of unreviewed break-glass runs."""

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def remind_approvers(self) -> int:
        """Remind the approvers of every pending request at half its ttl. Returns how many."""
        claimed = self.s.store.claim_reminders()
        for record in claimed:
            with _about(record):
                approvers = self._approvers(record)
                self._send(record, reminder_message(record, approvers), broadcast=False)
        return len(claimed)

    def announce_unreviewed(self, *, every: timedelta = ANNOUNCE_EVERY) -> int:
        """Announce again every break-glass run overdue for review, once per `every`."""
        claimed = self.s.store.claim_review_announcements(every=every)
        for record in claimed:
            with _about(record):
                carded = self._with_card(record)
                message = review_announcement(carded, self._approvers(carded))
                self._send(carded, message, broadcast=True)
        return len(claimed)

    def _with_card(self, record: RequestRecord) -> RequestRecord:
        """`record` with its card: one Slack would not post when it ran is posted now (as a
        pending request's card is posted late), so the announcement goes in its thread and
        Mark reviewed is where it says; one Slack posted though its answer was lost is found
        and taken. If Slack still refuses, App Home is where to review."""
        if record.message_ts is not None:
            return record
        slack, card = self.s.slack, self.replies.card(record)
        try:
            # Looked for first: its post's answer may have been lost though Slack posted it.
            ts = up_already(slack, record.channel, record.id)
            ts = ts or post_card(slack, record.channel, card, record.id)
        except SlackPostError as exc:
            log.warning(
                "could not post the card of %s in %s: %s", record.id, record.channel, exc.error
            )
            return record
        ts = self.s.store.bind_card(record.id, channel=record.channel, ts=ts) or ts
        return record.model_copy(update={"message_ts": ts})

    def _approvers(self, record: RequestRecord) -> Approvers:
        return approvers_of(record, self.s.policy.approvers(record.operation))

    def _send(self, record: RequestRecord, message: Message, *, broadcast: bool) -> None:
        try:
            if record.message_ts is None:  # no card to reply to: say it in the channel
                self.s.slack.post(record.channel, message)
            else:
                self.s.slack.reply(record.channel, record.message_ts, message, broadcast=broadcast)
        except SlackPostError as exc:
            log.warning("could not remind about %s in %s: %s", record.id, record.channel, exc.error)


def _about(record: RequestRecord) -> AbstractContextManager[None]:
    """Log lines inside name `record`: a reminder is sent by opsgate (as `Sweeps` names it)."""
    return log_context(request_id=record.id, operation=record.operation, actor=SYSTEM_ACTOR)
