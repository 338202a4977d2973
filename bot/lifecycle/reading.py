"""Reading requests: `/ops status` and `/ops history` show a request only to its requester, to
users who may approve it, or when asked in the channel where it was made (SPEC §8 "Reading").

Who may approve a request is read from the policy stored with it (SPEC §9) when it has one.
To anyone else a request does not exist: status answers exactly as for an unknown id, and
history leaves it out, so ids cannot be confirmed by guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from bot import cards
from bot.cards.history import unreviewed_message
from bot.lifecycle import refusals
from bot.lifecycle.services import Origin, Services
from bot.model import AuditEvent, PolicySnapshot, RequestRecord, rules
from bot.policy.members import CachedDirectory
from bot.store import UnreadableEventError, UnreadableRequestError
from commands.meta import MAX_HISTORY
from commands.model import HistoryCommand

#: History asks the store for this many more than it shows: the store filters by the current
#: policy, and a request's own stored policy may then hide one or two of them.
_SPARE: Final = 20
#: Break-glass runs are rare, and one awaiting review for long rarer still: read them all,
#: up to this many (past it, the store counts the rest).
_UNREVIEWED_READ: Final = 1000
#: Requests executing at once are few (each holds its targets): read up to this many of them.
_RUNNING_READ: Final = 100


class Reading:
    """Status and history, as the asker may see them. Read-only."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def status(self, request_id: str, origin: Origin, *, typed: str = "") -> cards.Message:
        """One request with its timeline, or "no such request" when the asker may not see it
        (naming the id as `typed`, when given)."""
        try:
            record = self.s.store.get(request_id)
        except UnreadableRequestError as exc:
            if self._may_read_damaged(exc.request_id, origin):
                return cards.refusal_message(refusals.unreadable_request(exc.request_id))
            return cards.refusal_message(refusals.no_such_request(request_id, typed=typed))
        if record is None or not self._may_read(record, origin, CachedDirectory(self.s.directory)):
            return cards.refusal_message(refusals.no_such_request(request_id, typed=typed))
        events: list[AuditEvent] = []
        unreadable = None
        try:
            events.extend(self.s.store.events(request_id=record.id))
        except UnreadableEventError as exc:  # changed outside opsgate: show what can be read
            unreadable = str(exc)
        return cards.status_message(
            record,
            events,
            approvers=self.s.policy.approvers(record.operation),
            unreadable=unreadable,
            now=datetime.fromtimestamp(self.s.clock.now(), tz=UTC),
        )

    def history(self, command: HistoryCommand, origin: Origin) -> cards.Message:
        """Recent requests the asker may see, newest first (with ``--unreviewed``, the
        break-glass runs awaiting review, the earliest review deadline first)."""
        if command.unreviewed:
            return self._unreviewed(command, origin)
        directory = CachedDirectory(self.s.directory)
        approves = self.s.policy.approvable_by(
            origin.user, directory=directory, among=self.s.catalog.ids
        )
        records = self.s.store.history(
            requester=origin.user if command.mine else None,
            vendor=command.vendor,
            limit=command.limit + _SPARE,
            reader=rules.Reader(user=origin.user, channel=origin.channel, approves=approves),
        )
        seen = [r for r in records if self._may_read(r, origin, directory)]
        return cards.history_message(
            seen[: command.limit],
            mine=command.mine,
            vendor=command.vendor,
            more=_wider(command) if len(seen) > command.limit else None,
        )

    def _unreviewed(self, command: HistoryCommand, origin: Origin) -> cards.Message:
        """The runs awaiting review the asker may see, and how many there are in all: counted
        in the store (`unreviewed_break_glass_kinds`) only when more await review than were
        read, so the common case costs no second query."""
        directory = CachedDirectory(self.s.directory)

        def listed(r: RequestRecord) -> bool:
            return (
                (not command.mine or r.requester == origin.user)
                and (command.vendor is None or r.vendor == command.vendor)
                and self._may_read(r, origin, directory)
            )

        records = self.s.store.unreviewed_break_glass(limit=_UNREVIEWED_READ)
        seen = [r for r in records if listed(r)]
        total = len(seen)
        if len(records) >= _UNREVIEWED_READ:
            kinds = self.s.store.unreviewed_break_glass_kinds()
            total = max(total, sum(n for r, n in kinds if listed(r)))
        now = datetime.fromtimestamp(self.s.clock.now(), tz=UTC)
        flags = " ".join(_flags(command))
        running = [] if seen else self._break_glass_running(listed)
        return unreviewed_message(
            seen[: command.limit], now=now, total=total, flags=flags, running=running
        )

    def _break_glass_running(self, listed: Callable[[RequestRecord], bool]) -> list[str]:
        """The break-glass runs still executing that the asker would see listed once they end
        (their cards already ask for a review), so "nothing awaits review" does not send the
        reviewer looking for one that is not over yet."""
        running = self.s.store.executing(limit=_RUNNING_READ)
        return [r.id for r in running if r.break_glass is not None and listed(r)]

    def _may_read_damaged(self, request_id: str, origin: Origin) -> bool:
        """Whether the asker may hear that `request_id`'s row cannot be read: the reading rule,
        applied to what its first event (which the chain protects) says of the request. When
        that cannot be read either, nobody is told more than of an unknown id."""
        try:
            first = next(self.s.store.events(request_id=request_id), None)
        except UnreadableEventError:
            return False
        if first is None:
            return False
        return self._may_read(_made_by(first), origin, CachedDirectory(self.s.directory))

    def _may_read(self, record: rules.Made, origin: Origin, directory: CachedDirectory) -> bool:
        if rules.may_read(record, rules.Reader(user=origin.user, channel=origin.channel)):
            return True
        # Asking the policy (and perhaps Slack, for user groups) only when it can matter.
        return self.s.policy.may_approve(record, user=origin.user, directory=directory)


@dataclass(frozen=True)
class _FirstEvent:
    """What a request's first event records of who made it, where, and under which policy."""

    requester: str
    operation: str
    channel: str
    policy: PolicySnapshot | None


def _made_by(first: AuditEvent) -> _FirstEvent:
    made = first.detail
    return _FirstEvent(
        requester=str(made.get("requester", first.actor)),  # a `denied` by system names them
        operation=first.operation,
        channel=str(made.get("channel", "")),
        policy=_made_under(made.get("policy")),
    )


def _made_under(recorded: object) -> PolicySnapshot | None:
    """The policy snapshot a first event records; None when it records none (or one that does
    not read, as if it recorded none: the current policy then applies)."""
    try:
        return None if recorded is None else PolicySnapshot.model_validate(recorded)
    except ValueError:
        return None


def _wider(command: HistoryCommand) -> str:
    """The same `/ops history` with a higher ``--limit``; empty at the highest already."""
    if command.limit >= MAX_HISTORY:
        return ""
    wider = f"--limit {min(command.limit * 2, MAX_HISTORY)}"
    return " ".join(["/ops history", *_flags(command), wider])


def _flags(command: HistoryCommand) -> list[str]:
    """The asker's ``--mine`` and ``--vendor``, to list the same requests again."""
    return ["--mine"] * command.mine + ([f"--vendor {command.vendor}"] if command.vendor else [])
