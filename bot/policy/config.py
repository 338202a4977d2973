"""The rules of one operation (SPEC §3): the pydantic model of a ``[policy]`` table's keys and
the checks of their values. `bot.policy.table` reads a whole table with them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from datetime import timedelta
from typing import Annotated, Final, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.model import is_channel_id, is_group_id, is_user_id, rules

_TTL: Final = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_TTL_HELP: Final = 'must be a duration such as "30m", "2h", "1h30m", "90s" or "1d"'
#: The longest duration a policy may give: a year. Longer ones are typos (a request pending
#: for years), and their deadlines would not fit a date.
LONGEST: Final = timedelta(days=365)
#: Most approvals one request may need: more than a card can sensibly gather (and a huge
#: number could not be stored).
MOST_APPROVALS: Final = 100
#: Most targets a policy may allow one request (no operation takes more than 10,000).
MOST_TARGETS: Final = 1_000_000


def _slack_id(value: str, valid: bool, kinds: str) -> str:
    if not valid:
        raise PydanticCustomError("slack_id", "'{value}' is not " + kinds, {"value": value})
    return value


def _principal(value: str) -> str:
    valid = value == "*" or is_user_id(value) or is_group_id(value)
    return _slack_id(value, valid, 'a user id (U…/W…), a user group id (S…) or "*"')


def _named(value: str) -> str:
    # Break-glass skips every approval: the policy must name who may, never "anyone".
    valid = is_user_id(value) or is_group_id(value)
    return _slack_id(value, valid, "a user id (U…/W…) or a user group id (S…)")


def _channel(value: str) -> str:
    valid = value == "*" or is_channel_id(value)
    return _slack_id(value, valid, 'a channel id (C…/G…/D…) or "*"')


def parse_ttl(value: object) -> timedelta:
    """Parse ``"30m"``, ``"2h"``, ``"90s"``, ``"1h30m"`` or ``"1d"`` (a timedelta passes through).

    Raises:
        PydanticCustomError: The value is not such a duration, or is not positive.
    """
    if isinstance(value, timedelta):
        ttl = value
    elif (
        isinstance(value, str) and (match := _TTL.fullmatch(value.strip())) and any(match.groups())
    ):
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        try:
            ttl = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        except OverflowError:
            ttl = LONGEST + timedelta(days=1)
    else:
        raise PydanticCustomError("ttl", _TTL_HELP)
    if ttl <= timedelta(0):
        raise PydanticCustomError("ttl", "must be positive")
    if ttl > LONGEST:
        raise PydanticCustomError("ttl", 'is too long: at most a year ("365d")')
    return ttl


def _known_operation(operation: str, info: ValidationInfo) -> str:
    known: Collection[str] = (info.context or {}).get("operation_ids", ())
    if operation in known:
        return operation
    close = difflib.get_close_matches(operation, list(known), n=1)
    hint = f'did you mean "{close[0]}"?' if close else "known: " + ", ".join(known)
    if "." not in operation:
        # `[policy.operations.acme.widget.delete]` without quotes nests tables by vendor.
        hint = 'quote the operation id: [policy.operations."<vendor>.<resource>.<action>"]'
    raise PydanticCustomError("unknown_operation", "unknown operation; " + hint)


Principal = Annotated[StrictStr, AfterValidator(_principal)]
Named = Annotated[StrictStr, AfterValidator(_named)]
Channel = Annotated[StrictStr, AfterValidator(_channel)]
Ttl = Annotated[timedelta, BeforeValidator(parse_ttl)]
Approvals = Annotated[StrictInt, Field(ge=0, le=MOST_APPROVALS)]
MaxTargets = Annotated[StrictInt, Field(ge=1, le=MOST_TARGETS)]
OperationId = Annotated[str, AfterValidator(_known_operation)]


class OperationPolicy(BaseModel):
    """The resolved rules for one operation: the defaults with that operation's overrides.

    Attributes:
        requesters: Who may request: user ids, user group ids, or ``"*"`` (anyone).
        approvers: Who may approve; ``"*"`` is anyone but the requester (unless `self_approval`).
        approvals: Distinct approvals needed; 0 means the requester confirms alone.
        self_approval: Whether the requester, if an approver, may count as one.
        ttl: How long a request stays pending before it expires.
        require_reason: Whether ``--reason`` is required.
        channels: Channel ids where requests may be made, or ``"*"``.
        max_targets: Most targets one request may name; None for no limit.
        notify_approvers: Whether a new card mentions the approvers, so Slack notifies them.
        remind: Whether the approvers are reminded in the card's thread at half the ttl.
        break_glass: Who may run it at once without approvals (``--break-glass``): user ids
            and user group ids; nobody by default.
        review_within: How soon a break-glass request should be reviewed before it is listed
            as overdue and announced again in its channel, once a day.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    requesters: tuple[Principal, ...] = ("*",)
    approvers: tuple[Principal, ...] = ("*",)
    approvals: Approvals = 1
    self_approval: StrictBool = False
    ttl: Ttl = timedelta(minutes=30)
    require_reason: StrictBool = True
    channels: tuple[Channel, ...] = ("*",)
    max_targets: MaxTargets | None = None
    notify_approvers: StrictBool = True
    remind: StrictBool = True
    break_glass: tuple[Named, ...] = ()
    review_within: Ttl = timedelta(hours=24)

    def could_be_approved(self, *, requester: str) -> bool:
        """False when a request by `requester` could never gather its approvals.

        Only decidable when every approver is a named user: a user group or ``"*"`` is taken
        to hold someone other than the requester.
        """
        if rules.requester_confirms_alone(self.approvals) or not _only_users(self.approvers):
            return True
        available = rules.approvers_available(
            self.approvers, requester=requester, self_approval=self.self_approval
        )
        return available >= self.approvals

    @model_validator(mode="after")
    def _approvable(self, info: ValidationInfo) -> Self:
        """Refuse a policy under which no request could ever be approved (SPEC §11), naming
        the operations it applies to (``used_by`` in the context) when it is the defaults."""
        if rules.requester_confirms_alone(self.approvals):
            return self
        if not self.approvers:
            raise _inconsistent("must not be empty when approvals >= 1")
        users = set(self.approvers)
        if _only_users(self.approvers) and len(users) < self.approvals:
            listed = f"{len(users)} user{'s' * (len(users) != 1)}"
            raise _inconsistent(f"lists {listed} but approvals is {self.approvals}")
        # With named requesters only, every possible requester is known: one must be approvable.
        known = bool(self.requesters) and _only_users(self.requesters)
        used_by: tuple[str, ...] | None = (info.context or {}).get("used_by")
        if used_by == ():
            return self  # defaults every operation overrides: each is checked as it resolves
        if known and not any(self.could_be_approved(requester=r) for r in self.requesters):
            used_by = used_by or ()
            which = f" for {', '.join(used_by)}" if used_by else ""
            raise _inconsistent(
                f"could never be approved{which}: approvals is {self.approvals} and "
                f"self_approval is false, but no requester ({', '.join(self.requesters)}) has "
                f"{self.approvals} approver{'s' * (self.approvals != 1)} other than themselves "
                f"among {', '.join(self.approvers)}"
            )
        return self

    @model_validator(mode="after")
    def _reviewable(self, info: ValidationInfo) -> Self:
        """Refuse a policy under which a break-glass run could never be reviewed: someone other
        than the one who ran it must be among the approvers (SPEC §11). A user group, in either
        list, is taken to hold someone else, as `_approvable` takes it."""
        used_by: tuple[str, ...] | None = (info.context or {}).get("used_by")
        if used_by == ():
            return self  # defaults every operation overrides: each is checked as it resolves
        stranded = [
            runner
            for runner in self.break_glass
            if self._may_request(runner) and not _someone_besides(runner, self.approvers)
        ]
        if not stranded:
            return self
        which = f" for {', '.join(used_by)}" if used_by else ""
        among = ", ".join(self.approvers) or "nobody (approvers = [])"
        raise PydanticCustomError(
            "unreviewable",
            f"a break-glass run by {stranded[0]} could never be reviewed{which}: someone other "
            f"than who ran it must be among the approvers, and they are {among}",
            {"field": "break_glass"},
        )

    def _may_request(self, principal: str) -> bool:
        """Whether someone `principal` names might request at all (else they never run one)."""
        requesters = self.requesters
        return (
            not _only_users(requesters)
            or principal in requesters
            or bool(principal.startswith("S") and requesters)
        )


def _someone_besides(runner: str, approvers: tuple[str, ...]) -> bool:
    """Whether `approvers` may hold someone other than `runner` (a user group, or ``"*"``, is
    taken to)."""
    return any(p != runner or p.startswith("S") for p in approvers)


def _only_users(principals: tuple[str, ...]) -> bool:
    """True when a list names users only (no ``"*"``, no user group)."""
    return not any(p == "*" or p.startswith("S") for p in principals)


def _inconsistent(message: str) -> PydanticCustomError:
    return PydanticCustomError("unapprovable", message, {"field": "approvers"})
