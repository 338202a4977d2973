"""Posting a request's approval card, and ending the request when Slack will not post it."""

from __future__ import annotations

import logging

from bot import cards
from bot.lifecycle import notices, refusals
from bot.lifecycle.card_post import CardUnsettled, post_card, up_already
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

    def post(self, record: RequestRecord, *, group_dm: bool = False, swept: bool = False) -> bool:
        """Post the card in the request's channel (once: see `bot.lifecycle.card_post`) and
        remember where it is; `group_dm` when that channel is a group DM (the audited reason
        then says so). `swept`: a sweep posts the card of a request left without one, which
        may be up already (its process stopped, or Slack's answer was lost, after the post).

        Returns False when the request ended while the card was on its way (a sweep and this
        post raced, and the other's post was refused): the card shows the end, and whoever
        ended it told the requester; True otherwise.

        Raises:
            CardUnsettled: (not `swept`) Slack's answer to the post was lost, and Slack would
                not say whether the card is up. The request stays pending without a card: a
                sweep looks for it again (`Sweeps.post_cardless`).
            SlackPostError: Slack refused (``not_in_channel``, ``channel_not_found``, …). The
                request has ended ``denied`` (actor ``system``, audited with Slack's error), so
                it holds no target and blocks no request made again; telling the requester is
                the caller's part.
        """
        try:
            ts = up_already(self.s.slack, record.channel, record.id) if swept else None
            if ts is None:
                ts = post_card(self.s.slack, record.channel, self.replies.card(record), record.id)
        except CardUnsettled as exc:
            self._unsettled(record, exc, group_dm=group_dm, swept=swept)
            raise
        except SlackPostError as exc:
            self._end(record, exc, group_dm=group_dm)
            raise
        bound = self.s.store.bind_card(record.id, channel=record.channel, ts=ts)
        if bound is not None and bound != ts:
            self._copy(record, ts)
            return True
        return self._still_pending(record)

    def _unsettled(
        self, record: RequestRecord, exc: CardUnsettled, *, group_dm: bool, swept: bool
    ) -> None:
        """A sweep's post that Slack would not settle ends the request; the first post's
        leaves it for a sweep to look again."""
        if swept:
            self._end(record, exc, group_dm=group_dm)
            return
        log.warning(
            "Slack's answer to the approval card of %s was lost (%s), and whether it is "
            "up is not known (%s): a sweep looks again",
            record.id,
            exc.error,
            exc.looked,
        )

    def _still_pending(self, record: RequestRecord) -> bool:
        """Whether `record` is still pending now that its card is up; if it ended meanwhile,
        its card is drawn as it ended (no buttons to click on an ended request)."""
        current = self.s.store.get(record.id)
        if current is None or current.state is RequestState.PENDING:
            return True
        log.warning("%s ended %s while its card was posted", record.id, current.state.value)
        self.replies.refresh_card(current)
        return False

    def _copy(self, record: RequestRecord, ts: str) -> None:
        """Card `ts` was posted while another post of `record`'s card (a sweep's, here or in
        another replica) was bound first: it says so, without buttons, so that no one clicks
        a card the request is not bound to."""
        log.warning("the approval card of %s was posted twice; %s is the copy", record.id, ts)
        self.s.slack.update(record.channel, ts, cards.notice_message(notices.card_copy(record)))

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
