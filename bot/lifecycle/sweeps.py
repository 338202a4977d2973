"""Work nobody clicked for: expiring requests past their TTL, recovering calls whose replica
died mid-call (their lease lapsed), posting the cards a dead process never posted, reminders
(`bot.lifecycle.reminders`), and the periodic sweeper that drives them (with
`bot.lifecycle.leases.Heartbeat`, which keeps this replica's own calls' leases alive)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Final

from bot import cards
from bot.lifecycle import refusals
from bot.lifecycle.leases import Heartbeat
from bot.lifecycle.posting import Posting
from bot.lifecycle.reminders import Reminders
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.lifecycle.workers import Runner
from bot.model import RequestRecord
from bot.slack.port import SlackPostError
from commands.catalog import Catalog
from commands.render import format_command

log = logging.getLogger(__name__)

#: How old a card-less pending request must be before a sweep posts its card: longer than any
#: post that is merely slow (slack_sdk waits up to 30 s, and a rate limit adds its own wait).
CARD_GRACE: Final = timedelta(minutes=2)


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
            self.replies.settled(record)
        return len(expired)

    def recover(self) -> int:
        """Requests left `executing` by a replica that stopped renewing their lease become
        `unknown` (never retried); a live replica's calls are left alone.

        Each card says so and each requester is told. Returns how many.
        """
        recovered = self.s.store.recover_executing()
        for record in recovered:
            self.replies.settled(record)
        if recovered:
            log.warning(
                "%d request(s) were executing in a replica that stopped (it no longer runs, or "
                "its lease lapsed): now unknown, never retried",
                len(recovered),
            )
        return len(recovered)

    def post_cardless(self, *, grace: timedelta = CARD_GRACE) -> int:
        """Post the card of every pending request that has had none for `grace` (a process
        died while posting it); if Slack refuses, the request ends ``denied``. Either way the
        requester is told. Safe with several processes: each request is claimed by one.

        Returns how many requests were taken on.
        """
        claimed = self.s.store.claim_cardless(older_than=grace)
        for record in claimed:
            self._post(record)
        return len(claimed)

    def _post(self, record: RequestRecord) -> None:
        try:
            self._posting.post(record)
        except SlackPostError as exc:
            command = _command(record, self.s.catalog)
            refusal = refusals.card_not_posted(
                record, exc.error, command=command, unreachable=exc.unreachable
            )
            self.replies.tell_requester(record, cards.refusal_message(refusal))
            return
        self.replies.tell_requester(record, cards.notice_message(refusals.reposted(record)))


def _command(record: RequestRecord, catalog: Catalog) -> str | None:
    """The command that makes the same request again, if opsgate still knows the operation."""
    try:
        return format_command(record.as_operation(), catalog, elide=False)
    except KeyError:
        return None


class Sweeper:
    """Runs `Sweeps` on the worker pool periodically, and the lease heartbeat, until stopped."""

    def __init__(self, sweeps: Sweeps, runner: Runner) -> None:
        self._sweeps = sweeps
        self._runner = runner
        self._stop = threading.Event()
        self.heartbeat = Heartbeat(sweeps.s.store)

    def start(self, *, every: float = 15.0) -> None:
        """Recover what a dead replica left `executing`, post the cards a dead process left
        unposted, then sweep periodically: expiry and card posting every `every` seconds at
        most, and recovery at least every half lease, so a dead replica's calls become unknown
        within 1.5 leases.

        Call once, before serving: recovery must run before any worker makes a vendor call.
        """
        self._sweeps.recover()
        self.heartbeat.start()
        self._runner.submit(self._sweep)
        lease = self._sweeps.s.store.leases.duration.total_seconds()
        interval = min(every, lease / 2)
        thread = threading.Thread(
            target=self._loop, args=(interval,), daemon=True, name="opsgate-sweeps"
        )
        thread.start()

    def stop(self) -> None:
        """Stop scheduling sweeps (one already queued still runs). The heartbeat goes on: calls
        still in flight keep their leases until `close`."""
        self._stop.set()

    def close(self) -> None:
        """Stop sweeping and the heartbeat."""
        self.stop()
        self.heartbeat.stop()

    def _loop(self, every: float) -> None:
        while not self._stop.wait(every):
            self._runner.submit(self._sweep)

    def _sweep(self) -> None:
        self._sweeps.expire_due()
        self._sweeps.recover()
        self._sweeps.reminders.remind_approvers()
        self._sweeps.reminders.announce_unreviewed()
        posted = self._sweeps.post_cardless()
        if posted:
            log.warning("%d request(s) had no card after a stop while posting it", posted)
