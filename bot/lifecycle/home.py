"""What one user's App Home shows (SPEC §10), read from the store and judged by the policy.

"Waiting for you" lists the pending requests whose card is up and that the policy lets this
user approve right now: the same check an Approve click makes (`Policy.check_approval`), so the
tab never offers a button that would be refused for who the user is. So does "Running: you may
stop" (`check_stop`): the runs besides the user's latest requests that they may stop, which for
an approver are other people's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot import cards
from bot.lifecycle.services import Services
from bot.model import RequestRecord, rules
from bot.policy.incident import check_review, check_stop
from bot.policy.members import CachedDirectory, listed_or_not

#: Pending requests considered for "Waiting for you" (soonest deadline first).
PENDING_SCANNED = 200
#: "Your requests": how many recent ones.
YOURS_SHOWN = 10
#: Running requests considered for the list of runs the user may stop.
RUNNING_SCANNED = 100
#: Break-glass runs awaiting review considered for the review list.
UNREVIEWED_SCANNED = 100


class HomeTab:
    """Builds the App Home content of one user. Runs on a worker (it may ask Slack for group
    membership)."""

    def __init__(self, services: Services, *, operation_ids: Sequence[str]) -> None:
        self.s = services
        self._operation_ids = tuple(operation_ids)

    def content(
        self, user: str, *, operations: Sequence[cards.HelpEntry] = ()
    ) -> cards.HomeContent:
        """Everything the tab shows for `user`; `operations` are what they may request."""
        approver = self.is_approver(user)
        yours = self.s.store.history(requester=user, limit=YOURS_SHOWN)
        stoppable = frozenset(
            r.id for r in yours if rules.stoppable(r, calls=self.s.vendor_calls(r))
        )
        reviews, reviews_total = self.reviews(user) if approver else ([], None)
        return cards.HomeContent(
            waiting=self.waiting_for(user),
            yours=yours,
            stoppable=stoppable,
            running=self.runs_to_stop(user, shown=stoppable),
            operations=operations,
            approver=approver,
            unreviewed=reviews,
            unreviewed_total=reviews_total,
            now=datetime.fromtimestamp(self.s.clock.now(), tz=UTC),
        )

    def waiting_for(self, user: str) -> list[RequestRecord]:
        """Pending requests with a card that `user` may approve now."""
        directory = CachedDirectory(self.s.directory)
        return [
            record
            for record in self.s.store.pending(limit=PENDING_SCANNED)
            if record.message_ts is not None
            and self.s.policy.check_approval(
                record, user=user, channel=record.channel, directory=directory
            ).allowed
        ]

    def runs_to_stop(
        self, user: str, *, shown: frozenset[str] = frozenset()
    ) -> list[RequestRecord]:
        """Running requests, besides those `shown` under "Your requests", that may still be
        stopped and that `user` may stop (SPEC §8: the requester and those who may approve
        it): the same check a Stop click makes (`check_stop`)."""
        directory = CachedDirectory(self.s.directory)
        return [
            record
            for record in self.s.store.executing(limit=RUNNING_SCANNED)
            if record.id not in shown
            and rules.stoppable(record, calls=self.s.vendor_calls(record))
            and check_stop(self.s.policy, record, user=user, directory=directory).allowed
        ]

    def is_approver(self, user: str) -> bool:
        """Whether the policy lets `user` approve any operation."""
        directory = CachedDirectory(self.s.directory)
        return any(
            listed_or_not(user, self.s.policy.for_operation(op).approvers, directory)
            for op in self._operation_ids
        )

    def break_glass_awaiting_review(self, user: str) -> Sequence[RequestRecord]:
        """The break-glass runs not yet marked reviewed that `user` may review (SPEC §11: an
        approver of the operation, not its requester), the earliest review deadline first:
        of the first `UNREVIEWED_SCANNED` awaiting review."""
        return self.reviews(user)[0]

    def break_glass_running(self, user: str) -> list[RequestRecord]:
        """The break-glass runs still running that `user` may review once they end."""
        directory = CachedDirectory(self.s.directory)
        return [
            record
            for record in self.s.store.executing(limit=RUNNING_SCANNED)
            if record.break_glass is not None
            and check_review(self.s.policy, record, user=user, directory=directory).allowed
        ]

    def reviews(self, user: str) -> tuple[list[RequestRecord], int]:
        """`break_glass_awaiting_review`, and how many `user` may review in all: counted in
        the store (`unreviewed_break_glass_kinds`) only when there are more to consider than
        were read, so the common case costs no second query."""
        directory = CachedDirectory(self.s.directory)

        def may(record: RequestRecord) -> bool:
            return check_review(self.s.policy, record, user=user, directory=directory).allowed

        scanned = self.s.store.unreviewed_break_glass(limit=UNREVIEWED_SCANNED)
        shown = [record for record in scanned if may(record)]
        if len(scanned) < UNREVIEWED_SCANNED:
            return shown, len(shown)
        kinds = self.s.store.unreviewed_break_glass_kinds()
        return shown, max(len(shown), sum(n for record, n in kinds if may(record)))
