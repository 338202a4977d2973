"""The ``[policy]`` table (SPEC §3): its pydantic models, parsing, and error messages.

`parse_policy_table` turns the table into the defaults and each operation's resolved
`OperationPolicy`. Every problem becomes one `PolicyError` line that names the key path the way
it is written in TOML, e.g. ``policy.operations."acme.widget.delete".approvals: must be >= 0``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Annotated, Any, Final, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.model import rules

_PRINCIPAL: Final = re.compile(r"\*|[UWS][A-Z0-9]{1,31}")
_NAMED: Final = re.compile(r"[UWS][A-Z0-9]{1,31}")
_CHANNEL: Final = re.compile(r"\*|[CGD][A-Z0-9]{1,31}")
_TTL: Final = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_TTL_HELP: Final = 'must be a duration such as "30m", "2h", "1h30m", "90s" or "1d"'
_MESSAGES: Final[dict[str, str]] = {
    "extra_forbidden": "unknown key",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "tuple_type": "must be a list",
    "model_type": "must be a table",
    "dict_type": "must be a table",
}


class PolicyError(ValueError):
    """The policy is invalid; start-up stops with this message.

    Attributes:
        problems: One ``key.path: what is wrong`` line per problem.
        source: The file the policy came from, when it came from one.
    """

    def __init__(self, problems: list[str], *, source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + problem for problem in problems))


def _slack_id(value: str, pattern: re.Pattern[str], kinds: str) -> str:
    if not pattern.fullmatch(value):
        raise PydanticCustomError("slack_id", "'{value}' is not " + kinds, {"value": value})
    return value


def _principal(value: str) -> str:
    return _slack_id(value, _PRINCIPAL, 'a user id (U…/W…), a user group id (S…) or "*"')


def _named(value: str) -> str:
    # Break-glass skips every approval: the policy must name who may, never "anyone".
    return _slack_id(value, _NAMED, "a user id (U…/W…) or a user group id (S…)")


def _channel(value: str) -> str:
    return _slack_id(value, _CHANNEL, 'a channel id (C…/G…/D…) or "*"')


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
            raise PydanticCustomError("ttl", "is too long") from None
    else:
        raise PydanticCustomError("ttl", _TTL_HELP)
    if ttl <= timedelta(0):
        raise PydanticCustomError("ttl", "must be positive")
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


_M = TypeVar("_M", bound=BaseModel)
Principal = Annotated[StrictStr, AfterValidator(_principal)]
Named = Annotated[StrictStr, AfterValidator(_named)]
Channel = Annotated[StrictStr, AfterValidator(_channel)]
Ttl = Annotated[timedelta, BeforeValidator(parse_ttl)]
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
    approvals: Annotated[StrictInt, Field(ge=0)] = 1
    self_approval: StrictBool = False
    ttl: Ttl = timedelta(minutes=30)
    require_reason: StrictBool = True
    channels: tuple[Channel, ...] = ("*",)
    max_targets: Annotated[StrictInt, Field(ge=1)] | None = None
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
    def _approvable(self) -> Self:
        """Refuse a policy under which no request could ever be approved (SPEC §11)."""
        if rules.requester_confirms_alone(self.approvals):
            return self
        if not self.approvers:
            raise _inconsistent("must not be empty when approvals >= 1")
        users = set(self.approvers)
        if _only_users(self.approvers) and len(users) < self.approvals:
            raise _inconsistent(f"lists {len(users)} user(s) but approvals is {self.approvals}")
        # With named requesters only, every possible requester is known: one must be approvable.
        known = bool(self.requesters) and _only_users(self.requesters)
        if known and not any(self.could_be_approved(requester=r) for r in self.requesters):
            raise _inconsistent(
                f"could never be approved: approvals is {self.approvals} and self_approval is "
                f"false, but no requester ({', '.join(self.requesters)}) has {self.approvals} "
                f"approver(s) other than themselves among {', '.join(self.approvers)}"
            )
        return self


def _only_users(principals: tuple[str, ...]) -> bool:
    """True when a list names users only (no ``"*"``, no user group)."""
    return not any(p == "*" or p.startswith("S") for p in principals)


def _inconsistent(message: str) -> PydanticCustomError:
    return PydanticCustomError("unapprovable", message, {"field": "approvers"})


class _Overrides(BaseModel):
    """Keys a table may set; None means "inherit"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requesters: tuple[Principal, ...] | None = None
    approvers: tuple[Principal, ...] | None = None
    approvals: Annotated[StrictInt, Field(ge=0)] | None = None
    self_approval: StrictBool | None = None
    ttl: Ttl | None = None
    require_reason: StrictBool | None = None
    channels: tuple[Channel, ...] | None = None
    max_targets: Annotated[StrictInt, Field(ge=1)] | None = None
    notify_approvers: StrictBool | None = None
    remind: StrictBool | None = None
    break_glass: tuple[Named, ...] | None = None
    review_within: Ttl | None = None


class _PolicyTable(_Overrides):
    """The whole ``[policy]`` table: defaults, plus ``[policy.operations."<id>"]`` tables."""

    operations: dict[OperationId, _Overrides] = Field(default_factory=dict)


def parse_policy_table(
    table: Mapping[str, Any], *, operation_ids: Collection[str], source: str | None = None
) -> tuple[OperationPolicy, dict[str, OperationPolicy]]:
    """Validate a ``[policy]`` table; return the defaults and each overridden operation's rules.

    Args:
        table: The ``[policy]`` table.
        operation_ids: The operations that exist; ``[policy.operations."<id>"]`` must be one.
        source: The file the table came from, for messages.

    Raises:
        PolicyError: Naming every bad key path (``policy.operations."<id>".<key>``).
    """
    context = {"operation_ids": tuple(operation_ids)}
    parsed = _validate(_PolicyTable, dict(table), (), source, context=context)
    own = parsed.model_dump(exclude_none=True, exclude={"operations"})
    defaults = _validate(OperationPolicy, own, (), source)
    resolved = {
        operation: _validate(
            OperationPolicy,
            {**defaults.model_dump(), **override.model_dump(exclude_none=True)},
            ("operations", operation),
            source,
        )
        for operation, override in parsed.operations.items()
    }
    return defaults, resolved


def _validate(
    model: type[_M],
    data: dict[str, Any],
    prefix: tuple[str, ...],
    source: str | None,
    *,
    context: dict[str, Any] | None = None,
) -> _M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_explain(prefix, error) for error in exc.errors()]
        raise PolicyError(problems, source=source) from None


def _explain(prefix: tuple[str, ...], error: ErrorDetails) -> str:
    loc: list[str | int] = [*prefix, *error["loc"]]
    ctx = error.get("ctx") or {}
    if "field" in ctx:
        loc.append(str(ctx["field"]))
    if error["type"] == "greater_than_equal":
        why = f"must be >= {ctx['ge']}"
    else:
        why = _MESSAGES.get(error["type"], error["msg"])
    return f"{key_path(loc)}: {why}"


def key_path(loc: list[str | int]) -> str:
    """Render a validation location as its TOML key, e.g. ``policy.operations."x".approvals``."""
    path = "policy"
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue  # pydantic's marker for "the dict key itself was invalid"
        elif index > 0 and loc[index - 1] == "operations":
            path += f'."{part}"'
        else:
            path += f".{part}"
    return path
