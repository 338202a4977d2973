"""Work nobody clicked for: expiring requests past their TTL, recovering calls whose replica
died mid-call (their lease lapsed), posting the cards a dead process never posted, and
reminders (`bot.lifecycle.reminders`). `bot.lifecycle.sweeper` decides when they run."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Final

from bot import cards
from bot.lifecycle import notices, refusals
from bot.lifecycle.posting import Posting
from bot.lifecycle.reminders import Reminders
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.model import RequestRecord
from bot.observability.logs import log_context
from bot.slack.port import SlackPostError
from bot.store import SYSTEM_ACTOR
from commands.catalog import Catalog
from commands.render import format_command

log = logging.getLogger(__name__)

#: How old a card-less pending request must be before a sweep posts its card: longer than any
#: post that is merely slow (slack_sdk waits up to 30 s, and a rate limit adds its own wait).
CARD_GRACE: Final = timedelta(minutes=2)
#: How many request ids a line about many requests names before "and N more".
NAMED_AT_MOST: Final = 5


class Sweeps:
    """Expiry, recovery and card-less requests; each redraws the cards it changed and tells
    the requesters."""

    def __init__(self, services: Services, replies: Replies, posting: Posting) -> None:
        self.s = services
        self.replies = replies
        self._posting = posting
        self.reminders = Reminders(services, replies)

    def expire_due(self) -> int:
        """Expire every pending request past its TTL, mark its card and tell its requester.

        Which requests are due is `bot.model.rules.due_to_expire`, applied by the store.
        Returns how many.
        """
        expired = self.s.store.expire_due()
        for record in expired:
            with about(record):
                self.replies.settled(record)
        return len(expired)

    def recover(self) -> int:
        """Requests left `executing` by a replica that stopped renewing their lease become
        `unknown` (never retried); a live replica's calls are left alone.

        Each card says so and each requester is told. Returns how many.
        """
        recovered = self.s.store.recover_executing()
        if recovered:
            log.warning(
                "%d request(s) were executing in a replica that stopped (it no longer runs, or "
                "its lease lapsed): %s now unknown, never retried",
                len(recovered),
                named([record.id for record in recovered]),
            )
        for record in recovered:
            with about(record):
                log.info("was executing in a replica that stopped: now unknown, never retried")
                self.replies.settled(record)
        return len(recovered)

    def post_cardless(self, *, grace: timedelta = CARD_GRACE) -> int:
        """Post the card of every pending request that has had none for `grace` (a process
        died while posting it); if Slack refuses, the request ends ``denied``. Either way the
        requester is told. Safe with several processes: each request is claimed by one.

        Returns how many requests were taken on.
        """
        claimed = self.s.store.claim_cardless(older_than=grace)
        for record in claimed:
            with about(record):
                self._post(record)
        return len(claimed)

    def _post(self, record: RequestRecord) -> None:
        try:
            if not self._posting.post(record, swept=True):
                return  # ended meanwhile (its own post was refused, and said so)
        except SlackPostError as exc:
            command = _command(record, self.s.catalog)
            refusal = refusals.card_not_posted(
                record, exc.error, command=command, unreachable=exc.unreachable
            )
            self.replies.tell_requester(record, cards.refusal_message(refusal))
            return
        self.replies.tell_requester(record, cards.notice_message(notices.reposted(record)))


def about(record: RequestRecord) -> AbstractContextManager[None]:
    """Log lines (and the card updates queued) inside name `record`: a sweep acts as opsgate."""
    return log_context(request_id=record.id, operation=record.operation, actor=SYSTEM_ACTOR)


def named(ids: list[str], *, most: int = NAMED_AT_MOST) -> str:
    """The first `most` ids, and how many more: a line stays short however many there are."""
    shown = ", ".join(ids[:most])
    return f"{shown} and {len(ids) - most} more" if len(ids) > most else shown


def _command(record: RequestRecord, catalog: Catalog) -> str | None:
    """The command that makes the same request again, if opsgate still knows the operation."""
    try:
        return format_command(record.as_operation(), catalog, elide=False)
    except KeyError:
        return None
