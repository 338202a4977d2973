"""How the lifecycle talks back: the request's card, redrawn from its record, and private
answers to whoever acted."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.base import Progress
from bot import cards
from bot.lifecycle.services import Origin, Services
from bot.model import Notice, Refusal, RequestRecord
from bot.slack.port import SlackPostError


class Replies:
    """Cards and answers, rendered from the store's records."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def refresh_card(self, record: RequestRecord, *, progress: Progress | None = None) -> None:
        """Redraw a request's card from its record (a no-op before the card is posted)."""
        if record.message_ts is None:
            return
        self.s.slack.update(record.channel, record.message_ts, self.card(record, progress))

    def card(self, record: RequestRecord, progress: Progress | None = None) -> cards.Message:
        """The request's card as it should look now."""
        return cards.request_card(
            record,
            approvers=self.s.policy.approvers(record.operation),
            progress=progress,
            now=self.now(),
        )

    def answer(self, origin: Origin, message: cards.Message) -> None:
        """A private answer: through the response_url when there is one."""
        if origin.response_url:
            self.s.slack.respond(origin.response_url, message)
        else:
            self.s.slack.ephemeral(origin.channel, origin.user, message)

    def refuse(self, origin: Origin, refusal: Refusal) -> None:
        """Tell whoever clicked, privately in the channel, why their click was refused."""
        self.s.slack.ephemeral(origin.channel, origin.user, cards.refusal_message(refusal))

    def notice(self, origin: Origin, notice: Notice) -> None:
        """Tell whoever clicked, privately in the channel, what their click did."""
        self.s.slack.ephemeral(origin.channel, origin.user, cards.notice_message(notice))

    def notify_requester(self, record: RequestRecord) -> None:
        """Tell the requester how their request ended: a DM, or privately in the channel."""
        try:
            self.s.slack.post(record.requester, cards.requester_notice(record))
        except SlackPostError:
            self.s.slack.ephemeral(record.channel, record.requester, cards.requester_notice(record))

    def now(self) -> datetime:
        """The clock's time, as a UTC datetime."""
        return datetime.fromtimestamp(self.s.clock.now(), tz=UTC)
