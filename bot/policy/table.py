"""The ``[policy]`` table (SPEC §3): parsing it, and its error messages.

`parse_policy_table` turns the table into the defaults and each operation's resolved
`OperationPolicy`. Every problem becomes one `PolicyError` line that names the key path the way
it is written in TOML, e.g.
``policy.operations."acme.widget.delete".approvals: must be at least 0``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from pydantic_core import ErrorDetails

from bot.policy.config import (
    Approvals,
    Channel,
    MaxTargets,
    Named,
    OperationId,
    OperationPolicy,
    Principal,
    Ttl,
)
from bot.settings.suggest import closest

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


_M = TypeVar("_M", bound=BaseModel)


class _Overrides(BaseModel):
    """Keys a table may set; None means "inherit"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requesters: tuple[Principal, ...] | None = None
    approvers: tuple[Principal, ...] | None = None
    approvals: Approvals | None = None
    self_approval: StrictBool | None = None
    ttl: Ttl | None = None
    require_reason: StrictBool | None = None
    channels: tuple[Channel, ...] | None = None
    max_targets: MaxTargets | None = None
    notify_approvers: StrictBool | None = None
    remind: StrictBool | None = None
    break_glass: tuple[Named, ...] | None = None
    review_within: Ttl | None = None


class _PolicyTable(_Overrides):
    """The whole ``[policy]`` table: defaults, plus ``[policy.operations."<id>"]`` tables."""

    operations: dict[OperationId, _Overrides] = Field(default_factory=dict)


#: The keys of the ``[policy]`` table itself.
POLICY_KEYS: Final = frozenset(_PolicyTable.model_fields)


def parse_policy_table(
    table: Mapping[str, Any],
    *,
    operation_ids: Collection[str],
    source: str | None = None,
    most_targets: Mapping[str, int] | None = None,
) -> tuple[OperationPolicy, dict[str, OperationPolicy]]:
    """Validate a ``[policy]`` table; return the defaults and each overridden operation's rules.

    Args:
        table: The ``[policy]`` table.
        operation_ids: The operations that exist; ``[policy.operations."<id>"]`` must be one.
        source: The file the table came from, for messages.
        most_targets: Each operation's own most targets in one request: an operation's
            ``max_targets`` may not promise more.

    Raises:
        PolicyError: Naming every bad key path (``policy.operations."<id>".<key>``).
    """
    context = {"operation_ids": tuple(operation_ids)}
    parsed = _validate(_PolicyTable, dict(table), (), source, context=context)
    _within_limits(parsed.operations, most_targets or {}, source)
    own = parsed.model_dump(exclude_none=True, exclude={"operations"})
    # The defaults are the rules of every operation without a table of its own.
    used_by = tuple(op for op in operation_ids if op not in parsed.operations)
    defaults = _validate(OperationPolicy, own, (), source, context={"used_by": used_by})
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


def _within_limits(
    operations: Mapping[str, _Overrides], most_targets: Mapping[str, int], source: str | None
) -> None:
    """Refuse an operation's ``max_targets`` above what the operation itself takes: the policy
    would say a request may name more targets than any request of it can. (A default above
    one operation's limit is fine: it is the default of operations that take more.)"""
    problems = [
        f"{key_path(['operations', operation, 'max_targets'])}: must be at most "
        f"{most_targets[operation]:,}, the most {operation} takes in one request"
        for operation, rules in operations.items()
        if rules.max_targets is not None
        and operation in most_targets
        and rules.max_targets > most_targets[operation]
    ]
    if problems:
        raise PolicyError(problems, source=source)


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
        why = f"must be at least {ctx['ge']}"
    elif error["type"] == "less_than_equal":
        why = f"must be at most {ctx['le']}"
    else:
        why = _MESSAGES.get(error["type"], error["msg"])
    if error["type"] == "extra_forbidden" and (meant := _meant(loc)):
        why += f"; did you mean {key_path([*loc[:-1], meant])}?"
    return f"{key_path(loc)}: {why}"


def _meant(loc: list[str | int]) -> str | None:
    """The key of the same table an unknown key at `loc` most likely meant."""
    keys = POLICY_KEYS if len(loc) == 1 else _Overrides.model_fields
    return closest(str(loc[-1]), keys)


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
