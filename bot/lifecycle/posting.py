"""Posting a request's approval card, and ending the request when Slack will not post it."""

from __future__ import annotations

import logging

from bot import cards
from bot.lifecycle import refusals
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.model import AuditEventName, ClosedOutcome, RequestRecord, RequestState
from bot.slack.port import SlackPostError
from bot.store import SYSTEM_ACTOR

log = logging.getLogger(__name__)


class Posting:
    """Puts a pending request's card in its channel."""

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def post(self, record: RequestRecord, *, group_dm: bool = False) -> None:
        """Post the card in the request's channel and remember where it is; `group_dm` when
        that channel is a group DM (the audited reason then says so).

        Raises:
            SlackPostError: Slack refused (``not_in_channel``, ``channel_not_found``, …). The
                request has ended ``denied`` (actor ``system``, audited with Slack's error), so
                it holds no target and blocks no request made again; telling the requester is
                the caller's part.
        """
        try:
            ts = self.s.slack.post(record.channel, self.replies.card(record))
        except SlackPostError as exc:
            self._end(record, exc, group_dm=group_dm)
            raise
        self.s.store.set_message(record.id, channel=record.channel, ts=ts)

    def _end(self, record: RequestRecord, exc: SlackPostError, *, group_dm: bool) -> None:
        # One line for whoever runs opsgate: a refused token or message is theirs to put right.
        said = refusals.not_posted(unreachable=exc.unreachable)
        where = f"{record.id} in {record.channel}"
        log.warning("%s the approval card of %s: %s", said, where, exc.error)
        refusal = refusals.card_not_posted(
            record, exc.error, command=None, unreachable=exc.unreachable, group_dm=group_dm
        )
        self.s.store.transition(
            record.id,
            to=RequestState.DENIED,
            event=AuditEventName.DENIED,
            actor=SYSTEM_ACTOR,
            # "state": this denied event ends the request (a refused click's does not).
            detail={
                "state": RequestState.DENIED.value,
                "reason": cards.plain(refusal),
                "slack_error": exc.error,
                "channel": record.channel,
            },
            outcome=ClosedOutcome(by=SYSTEM_ACTOR, note=f"{said} the approval card ({exc.error})"),
        )
