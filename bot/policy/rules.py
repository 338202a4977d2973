"""Who may request, approve, reject and withdraw each operation, and where (SPEC §3).

The policy answers one question per call and never looks at a request's state: whether a request
has expired or was already decided is the lifecycle's business. Group membership is asked of a
`Directory` only when a group id is actually in the list being checked, so a policy of plain user
ids (or ``"*"``) never costs a Slack call.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from adapters.registry import installed_plugins
from bot.model import RequestRecord
from bot.policy.config import OperationPolicy, PolicyError, parse_policy_table, parse_ttl
from bot.policy.source import find_policy_table
from bot.settings import Settings
from commands.model import OperationRequest

__all__ = [
    "Decision",
    "Directory",
    "OperationPolicy",
    "Policy",
    "PolicyError",
    "load_policy",
    "parse_policy",
    "parse_ttl",
]


class Directory(Protocol):
    """Slack user-group membership, as the policy needs it."""

    def members(self, group_id: str) -> frozenset[str]:
        """The user ids in the Slack user group `group_id` (``S…``)."""
        ...


class Decision(NamedTuple):
    """The policy's answer. `reason` is a plain sentence for an ephemeral refusal."""

    allowed: bool
    reason: str = ""


ALLOWED = Decision(allowed=True)


class _CachedDirectory:
    """Asks the real directory at most once per group during one policy call."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._seen: dict[str, frozenset[str]] = {}

    def members(self, group_id: str) -> frozenset[str]:
        if group_id not in self._seen:
            self._seen[group_id] = self._directory.members(group_id)
        return self._seen[group_id]


def _listed(user: str, principals: Iterable[str], directory: Directory) -> bool:
    """True when `user` is ``"*"``-covered, named, or in one of the named groups."""
    principals = tuple(principals)
    if "*" in principals or user in principals:
        return True
    groups = (p for p in principals if p.startswith("S"))
    return any(user in directory.members(group) for group in groups)


def _mention(principal: str) -> str:
    return f"<!subteam^{principal}>" if principal.startswith("S") else f"<@{principal}>"


def _who(principals: tuple[str, ...]) -> str:
    """Mentions for a list that does not contain ``"*"`` (callers handle "anyone" first)."""
    return ", ".join(_mention(p) for p in principals) or "nobody"


def _where(channels: tuple[str, ...]) -> str:
    return ", ".join(f"<#{c}>" for c in channels) or "no channel"


def _channel_allowed(rules: OperationPolicy, channel: str) -> bool:
    return "*" in rules.channels or channel in rules.channels


class Policy:
    """The rules for every operation: defaults, with per-operation overrides.

    `Policy()` is the documented default policy: anyone may request anywhere, with a reason;
    one approval from anyone but the requester; requests expire after 30 minutes.
    """

    def __init__(
        self,
        *,
        defaults: OperationPolicy | None = None,
        operations: Mapping[str, OperationPolicy] | None = None,
    ) -> None:
        self._defaults = defaults or OperationPolicy()
        self._operations = dict(operations or {})

    def for_operation(self, operation: str) -> OperationPolicy:
        """The rules for `operation`: its overrides on top of the defaults.

        An operation the policy does not mention (even one it does not know) gets the defaults.
        """
        return self._operations.get(operation, self._defaults)

    def check_request(
        self, request: OperationRequest, *, user: str, channel: str, directory: Directory
    ) -> Decision:
        """May `user` request this in `channel`, with this reason and this many targets?"""
        op, rules = request.operation, self.for_operation(request.operation)
        if not _listed(user, rules.requesters, directory):
            return Decision(
                False, f"You may not request `{op}`: only {_who(rules.requesters)} may."
            )
        if not _channel_allowed(rules, channel):
            return Decision(
                False, f"`{op}` cannot be requested in this channel; use {_where(rules.channels)}."
            )
        if rules.require_reason and not (request.reason or "").strip():
            return Decision(False, f'`{op}` needs a reason: add --reason "<why>" and try again.')
        if rules.max_targets is not None and len(request.targets) > rules.max_targets:
            return Decision(
                False,
                f"`{op}` allows at most {rules.max_targets} target(s) per request and this one "
                f"has {len(request.targets)}: split it into smaller requests.",
            )
        return _approvable_by_others(op, rules, user)

    def check_approval(
        self, record: RequestRecord, *, user: str, channel: str, directory: Directory
    ) -> Decision:
        """May `user` approve this stored request now, by a click in `channel`?

        Re-checked at click time against the current rules. When `approvals` is 0 only the
        requester may confirm; otherwise the requester counts only with `self_approval`.
        """
        rules = self.for_operation(record.operation)
        refusal = _stale(record, rules) or _approval_channel(record, rules, channel)
        if refusal:
            return refusal
        if rules.approvals == 0:
            return _confirm_alone(record, user)
        if user in record.approvers:
            return Decision(False, f"You already approved {record.id}.")
        needs = self.approvers_text(record.operation)
        if user == record.requester and not rules.self_approval:
            return Decision(False, f"You requested {record.id}, so you cannot approve it: {needs}.")
        if not _listed(user, rules.approvers, directory):
            return Decision(False, f"You may not approve `{record.operation}`: {needs}.")
        return ALLOWED

    def check_rejection(
        self, record: RequestRecord, *, user: str, channel: str, directory: Directory
    ) -> Decision:
        """May `user` reject this stored request? Anyone who may approve it may.

        The requester withdraws instead. An approver who already approved may still reject:
        changing one's mind can only stop a destructive operation, never start one.
        """
        rules = self.for_operation(record.operation)
        if user == record.requester:
            return Decision(False, f"You made {record.id}: use Withdraw to take it back.")
        refusal = _approval_channel(record, rules, channel)
        if refusal:
            return refusal
        if not _listed(user, rules.approvers, directory):
            needs = self.approvers_text(record.operation)
            return Decision(False, f"You may not reject `{record.operation}`: {needs}.")
        return ALLOWED

    def check_withdrawal(self, record: RequestRecord, *, user: str) -> Decision:
        """May `user` withdraw this stored request? Only its requester may."""
        if user != record.requester:
            return Decision(
                False, f"Only the requester, <@{record.requester}>, can withdraw {record.id}."
            )
        return ALLOWED

    def operations_for(
        self, *, user: str, channel: str | None, directory: Directory, among: Iterable[str]
    ) -> list[str]:
        """The operation ids of `among` that `user` may request in `channel`, in its order.

        `channel=None` means in some channel (the App Home tab belongs to no channel).
        """
        cached = _CachedDirectory(directory)
        return [
            op
            for op in among
            if (channel is None or _channel_allowed(self.for_operation(op), channel))
            and _listed(user, self.for_operation(op).requesters, cached)
        ]

    def approvers_text(self, operation: str) -> str:
        """Who may approve `operation` and how many approvals it needs, as Slack mrkdwn.

        E.g. ``2 approvals from <!subteam^S0123>, <@U123>``, ``1 approval from anyone but the
        requester``, or ``the requester confirms alone``.
        """
        rules = self.for_operation(operation)
        if rules.approvals == 0:
            return "the requester confirms alone"
        count = f"{rules.approvals} approval{'s' if rules.approvals > 1 else ''}"
        if "*" in rules.approvers:
            who = "anyone" if rules.self_approval else "anyone but the requester"
            return f"{count} from {who}"
        mine = " (the requester may count)" if rules.self_approval else ""
        return f"{count} from {_who(rules.approvers)}{mine}"


def _approvable_by_others(op: str, rules: OperationPolicy, user: str) -> Decision:
    """Refuse a request that could never gather its approvals, rather than post a dead card.

    Only decidable when the approvers are all named users: the requester does not count
    without `self_approval`, so naming them leaves one approver fewer.
    """
    named = set(rules.approvers)
    if "*" in named or any(p.startswith("S") for p in named) or rules.self_approval:
        return ALLOWED
    if len(named - {user}) >= rules.approvals:
        return ALLOWED
    return Decision(
        False,
        f"`{op}` needs {rules.approvals} approval(s) from {_who(rules.approvers)}, and you "
        "cannot approve your own request, so it could never be approved: ask an admin.",
    )


def _stale(record: RequestRecord, rules: OperationPolicy) -> Decision | None:
    """Refuse to count approvals towards a request made under a laxer policy."""
    if record.approvals_needed >= rules.approvals:
        return None
    return Decision(
        False,
        f"`{record.operation}` now needs {rules.approvals} approval(s) but {record.id} was made "
        f"when it needed {record.approvals_needed}: withdraw it and request again.",
    )


def _approval_channel(
    record: RequestRecord, rules: OperationPolicy, channel: str
) -> Decision | None:
    if _channel_allowed(rules, channel):
        return None
    return Decision(False, f"`{record.operation}` cannot be approved or rejected in this channel.")


def _confirm_alone(record: RequestRecord, user: str) -> Decision:
    if user != record.requester:
        return Decision(
            False, f"Only the requester, <@{record.requester}>, can confirm {record.id}."
        )
    if user in record.approvers:
        return Decision(False, f"You already confirmed {record.id}.")
    return ALLOWED


def parse_policy(
    table: Mapping[str, Any],
    *,
    source: str | None = None,
    operation_ids: Collection[str] | None = None,
) -> Policy:
    """Build a `Policy` from a ``[policy]`` table (from `source`, a file, if given) whose
    ``[policy.operations."<id>"]`` tables name `operation_ids` (default: the installed plugins').

    Raises:
        PolicyError: Naming every bad key path.
    """
    if operation_ids is None:
        operation_ids = installed_plugins().catalog.ids
    defaults, operations = parse_policy_table(table, operation_ids=operation_ids, source=source)
    return Policy(defaults=defaults, operations=operations)


def load_policy(settings: Settings, *, operation_ids: Collection[str] | None = None) -> Policy:
    """The policy from ``[policy]`` in `settings.config_file` or in `settings.policy_file`.

    With neither, the default policy (`Policy()`). `operation_ids` as for `parse_policy`.

    Raises:
        PolicyError: The policy is invalid, its file is missing or unreadable, or it is
            defined in both places.
    """
    found = find_policy_table(config_file=settings.config_file, policy_file=settings.policy_file)
    if found is None:
        return Policy()
    table, source = found
    return parse_policy(table, source=source, operation_ids=operation_ids)
