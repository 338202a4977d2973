"""Reading requests: `/ops status` and `/ops history` show a request only to its requester, to
users who may approve it, or when asked in the channel where it was made (SPEC §8 "Reading").

To anyone else a request does not exist: status answers exactly as for an unknown id, and
history leaves it out, so ids cannot be confirmed by guessing.
"""

from __future__ import annotations

from bot import cards
from bot.lifecycle import refusals
from bot.lifecycle.services import Origin, Services
from bot.model import RequestRecord, rules
from commands.model import HistoryCommand


class Reading:
    """Status and history, as the asker may see them. Read-only."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def status(self, request_id: str, origin: Origin) -> cards.Message:
        """One request with its timeline, or "no such request" when the asker may not see it."""
        record = self.s.store.get(request_id)
        if record is None or not self._may_read(record, origin):
            return cards.refusal_message(refusals.no_such_request(request_id))
        events = list(self.s.store.events(request_id=record.id))
        return cards.status_message(
            record, events, approvers=self.s.policy.approvers(record.operation)
        )

    def history(self, command: HistoryCommand, origin: Origin) -> cards.Message:
        """Recent requests the asker may see, newest first."""
        records = self.s.store.history(
            requester=origin.user if command.mine else None,
            vendor=command.vendor,
            limit=command.limit,
            reader=self._reader(origin),
        )
        return cards.history_message(records)

    def _may_read(self, record: RequestRecord, origin: Origin) -> bool:
        near = rules.Reader(user=origin.user, channel=origin.channel)
        # Asking the policy (and perhaps Slack, for user groups) only when it can matter.
        return rules.may_read(record, near) or rules.may_read(record, self._reader(origin))

    def _reader(self, origin: Origin) -> rules.Reader:
        # The policy as it is now: requests do not store the policy they were made under.
        approves = self.s.policy.approvable_by(origin.user, directory=self.s.directory)
        return rules.Reader(user=origin.user, channel=origin.channel, approves=approves)
