"""How the lifecycle talks back: the request's card, redrawn from the store, private answers to
whoever acted, and direct messages to the requester.

Card redraws and direct messages run on the runner's Slack pool when there is one
(`Services.runner`), so a slow Slack never holds up a decision or a vendor call; the
`CardPainter` keeps each card's redraws in order whatever the delays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from adapters.base import Progress
from bot import cards
from bot.lifecycle import mishaps
from bot.lifecycle.outage import first_line, unreachable
from bot.lifecycle.painter import CardPainter
from bot.lifecycle.progress import RedrawPace
from bot.lifecycle.services import Origin, Services
from bot.model import Notice, Refusal, RequestRecord, rules
from bot.slack.port import SlackPostError
from bot.store import CommitUncertain, UnstorableText

log = logging.getLogger(__name__)

#: Most stale cards drawn again per sweep: a long outage's backlog must not burst at Slack.
STALE_PER_SWEEP: Final = 5


class Replies:
    """Cards and answers, rendered from the store's records."""

    def __init__(self, services: Services) -> None:
        self.s = services
        self._painter = CardPainter(store=services.store, slack=services.slack, render=self.card)
        self._pace = RedrawPace(services.clock)

    def refresh_card(self, record: RequestRecord, *, progress: Progress | None = None) -> None:
        """Redraw a request's card from the store, now (a no-op before the card is posted)."""
        self._painter.ask(record.id, progress)()

    def refresh_card_soon(self, record: RequestRecord, *, progress: Progress | None = None) -> None:
        """Redraw a request's card from the store without waiting for Slack. A bulk run's
        `progress` is paced to Slack's rate for chat.update (`RedrawPace`): a tick held back
        is kept for the card's next redraw."""
        if progress is not None and not self._pace.due(record.id):
            self._painter.note(record.id, progress)
            return
        self._later(self._painter.ask(record.id, progress))

    def redraw_stale(self, *, most: int = STALE_PER_SWEEP) -> int:
        """Draw again the cards of ended requests whose last redraw Slack did not take (a rate
        limit, a 5xx, no answer), the `most` longest waiting. Returns how many."""
        stale = self._painter.stale()[:most]
        for request_id in stale:
            self._later(self._painter.ask(request_id))
        return len(stale)

    def settled(self, record: RequestRecord) -> None:
        """`record` changed state: redraw its card and, once it has ended, tell its requester
        (the one its ``requested`` event names, when its row was found changed: the card's
        painter redraws by that event too).

        Generic over the end states (`RequestState.terminal`), whatever they are.
        """
        self.refresh_card_soon(record)
        if not record.state.terminal:
            return
        if rules.failed_integrity(record):  # its stored row was changed: the chain says whom
            record = self.s.store.as_requested(record)
        self._later(lambda: self.notify_requester(record))

    def card(self, record: RequestRecord, progress: Progress | None = None) -> cards.Message:
        """The request's card as it should look now."""
        return cards.request_card(
            record,
            approvers=self.s.policy.approvers(record.operation),
            progress=progress,
            now=self.now(),
            facts=cards.CardFacts(
                calls=self.s.vendor_calls(record), installed=self.s.installed(record.operation)
            ),
        )

    def answer(self, origin: Origin, message: cards.Message) -> None:
        """A private answer: through the response_url when there is one (and it still takes
        messages), otherwise privately in the channel."""
        if origin.response_url:
            try:
                self.s.slack.respond(origin.response_url, message)
                return
            except SlackPostError as exc:
                log.warning("response_url post failed (%s); answering in the channel", exc.error)
        self.s.slack.ephemeral(origin.channel, origin.user, message)

    def guarded(self, origin: Origin, job: Callable[[], None]) -> Callable[[], None]:
        """`job`, which tells `origin` privately if it fails: when the database cannot be
        reached, or on an error nobody expected (a bug in opsgate or a plugin), rather than
        leaving silence after the ack that said the work had begun. The log has one line for a
        database out of reach, the traceback for the unexpected."""
        down = unreachable(self.s.store)

        def answered() -> None:
            try:
                job()
            except CommitUncertain as exc:
                log.error("could not tell whether a write was committed: %s", exc)
                self.answer(origin, cards.refusal_message(mishaps.maybe_recorded()))
            except UnstorableText as exc:  # from a plugin, or a bug: never typed by a person
                log.error("refused to store what %s asked for: %s", origin.user, exc)
                self.answer(origin, cards.refusal_message(mishaps.unstorable(exc.field)))
            except down as exc:
                said = first_line(exc)
                log.error("the database could not be reached: %s: %s", type(exc).__name__, said)
                self.answer(origin, cards.refusal_message(mishaps.database_down()))
            except Exception as exc:
                log.exception("failed unexpectedly handling a request of %s", origin.user)
                self.answer(origin, cards.refusal_message(mishaps.failed_unexpectedly(exc)))

        return answered

    def refuse(self, origin: Origin, refusal: Refusal) -> None:
        """Tell whoever clicked, privately in the channel, why their click was refused."""
        self.s.slack.ephemeral(origin.channel, origin.user, cards.refusal_message(refusal))

    def notice(self, origin: Origin, notice: Notice) -> None:
        """Tell whoever clicked, privately in the channel, what their click did."""
        self.s.slack.ephemeral(origin.channel, origin.user, cards.notice_message(notice))

    def notify_requester(self, record: RequestRecord) -> None:
        """Tell the requester how their request ended (or where it stands)."""
        self.tell_requester(record, cards.requester_notice(record))

    def tell_requester(self, record: RequestRecord, message: cards.Message) -> None:
        """A direct message to the requester; privately in the request's channel if Slack
        will not deliver it (logged; where that fails too, the DM is not tried again)."""
        try:
            self.s.slack.post(record.requester, message)
        except SlackPostError as exc:
            log.warning(
                "the DM to %s about %s was refused (%s); showing it to them in %s instead",
                record.requester,
                record.id,
                exc.error,
                record.channel,
            )
            self.s.slack.ephemeral(record.channel, record.requester, message, direct=False)

    def now(self) -> datetime:
        """The clock's time, as a UTC datetime."""
        return datetime.fromtimestamp(self.s.clock.now(), tz=UTC)

    def later(self, job: Callable[[], None]) -> None:
        """Run `job`, which only talks to Slack, off the caller's thread when there is a pool."""
        self._later(job)

    def _later(self, job: Callable[[], None]) -> None:
        if self.s.runner is None:
            job()
        else:
            self.s.runner.submit_slack(job)
