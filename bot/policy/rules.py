"""Who may request, approve, reject and withdraw each operation, and where (SPEC §3).

The policy answers one question per call and never looks at a request's state: whether a request
has expired or was already decided is the lifecycle's business. Every refusal is a `Refusal`
built from parts; `bot.cards` renders it. Who is in a list is `bot.policy.members`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.model import Approvers, Channel, Code, Part, Refusal, RequestRecord, User, rules
from bot.policy.config import OperationPolicy, parse_ttl
from bot.policy.decision import ALLOWED, Decision, judged, refuse
from bot.policy.members import (
    CachedDirectory,
    Directory,
    channel_refusal,
    in_channels,
    listed,
    listed_or_not,
    not_a_member,
    not_a_requester,
    principal_parts,
)
from bot.policy.standing import judged_again, needs_of, not_an_approver, turned_off, unlisting
from bot.policy.table import PolicyError
from commands.model import OperationRequest
from commands.spec import UsageTerms

__all__ = [
    "Decision",
    "Directory",
    "OperationPolicy",
    "Policy",
    "PolicyError",
    "parse_ttl",
]


def _channel_allowed(current: OperationPolicy, channel: str | None) -> bool:
    """None: in some channel (none when ``channels`` is empty: the operation is turned off)."""
    if channel is None:
        return bool(current.channels)
    return in_channels(current.channels, channel)


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

    def needs_reason(self, operation: str, *, dry_run: bool) -> bool:
        """Must a request for `operation` give a reason? A dry run changes nothing, so it never
        needs one (SPEC §8)."""
        return self.for_operation(operation).require_reason and not dry_run

    def too_many_targets(self, operation: str, count: int) -> int | None:
        """The most targets the policy lets one request of `operation` name, when `count` is
        more; None when `count` is within it."""
        most = self.for_operation(operation).max_targets
        return most if most is not None and count > most else None

    def usage_terms(self, operation: str) -> UsageTerms:
        """What this policy says of `operation` that its usage and help show (a reason needed,
        whether anyone may break glass, its limit on targets)."""
        current = self.for_operation(operation)
        return UsageTerms(
            reason_required=self.needs_reason(operation, dry_run=False),
            break_glass=bool(current.break_glass),
            max_targets=current.max_targets,
        )

    @judged
    def check_request(
        self, request: OperationRequest, *, user: str, channel: str, directory: Directory
    ) -> Decision:
        """May `user` request this in `channel`, with this reason and this many targets?"""
        op, current = Code(request.operation), self.for_operation(request.operation)
        if not listed(user, current.requesters, directory):
            return refuse(*not_a_requester(request.operation, current.requesters, user, directory))
        if refused := channel_refusal(request.operation, current.channels, channel):
            return refuse(*refused)
        no_reason = not (request.reason or "").strip()
        if no_reason and self.needs_reason(request.operation, dry_run=request.dry_run):
            flag = '--reason "<why>"'
            said = Refusal(op, " needs a reason: add ", Code(flag), " and try again.")
            return Decision(said, missing=flag)
        count = len(request.targets)
        most = self.too_many_targets(request.operation, count)
        if most is not None:
            return refuse(
                op,
                f" allows at most {most:,} target{'' if most == 1 else 's'} per request and this "
                f"one has {count:,}: split it into requests of at most {most:,}.",
            )
        if not current.could_be_approved(requester=user):
            return refuse(
                op,
                " needs ",
                self.approvers(request.operation),
                ", and you cannot approve your own request, so it could never be approved: "
                "ask an admin.",
            )
        return ALLOWED

    @judged
    def check_approval(
        self, record: RequestRecord, *, user: str, channel: str, directory: Directory
    ) -> Decision:
        """May `user` approve this stored request now, by a click in `channel`?

        Re-checked at click time against the current rules, and against the rules stored with
        the request (what its card shows): a policy made laxer since lets nobody in whom the
        card left out; one that turns the operation off since lets nobody approve it. When it
        was made needing no approvals only the requester may confirm; otherwise the
        requester counts only where both allow `self_approval`. An allowed
        click's decision names the earlier approvers judged the same way now who could not
        approve it any more (`Decision.lapsed`): their approvals no longer count.
        """
        current = self.for_operation(record.operation)
        refusal = (
            _stale(record, current, user)
            or _approval_channel(record, current, channel)
            or turned_off(record, current)
        )
        if refusal:
            return refusal
        if rules.requester_confirms_alone(record.approvals_needed):
            return _confirm_alone(record, user, current, directory)
        if rules.already_approved(record, user) and not record.lapsed:
            return refuse("You already approved ", Code(record.id), ".")
        cached = CachedDirectory(directory)  # the clicker and earlier approvers: one look-up
        refusal = not_an_approver(record, user, current, cached)
        return refusal or judged_again(record, user, current, cached)

    @judged
    def check_rejection(
        self, record: RequestRecord, *, user: str, channel: str, directory: Directory
    ) -> Decision:
        """May `user` reject this stored request? Anyone who may approve it may: nobody when
        it needs no approvals (the requester confirms or withdraws it alone).

        The requester withdraws instead. An approver who already approved may still reject:
        changing one's mind can only stop a destructive operation, never start one.
        """
        current = self.for_operation(record.operation)
        if user == record.requester:
            return refuse("You made ", Code(record.id), ": use Withdraw to take it back.")
        if rules.requester_confirms_alone(record.approvals_needed):
            return refuse(
                Code(record.id),
                " needs no approvals: its requester, ",
                User(record.requester),
                ", confirms or withdraws it alone, so nobody else may reject it.",
            )
        refusal = _approval_channel(record, current, channel)
        if refusal:
            return refusal
        found = unlisting(record, user, current, directory)
        if found is not None:
            terms, stored = found
            what = Code(record.id) if stored else Code(record.operation)
            why = not_a_member(user, terms.approvers, directory)
            return refuse(*why or ("You may not reject ", what, ": ", needs_of(record, terms), "."))
        return ALLOWED

    def check_withdrawal(self, record: RequestRecord, *, user: str) -> Decision:
        """May `user` withdraw this stored request? Only its requester may."""
        if user != record.requester:
            return refuse(
                "Only the requester, ",
                User(record.requester),
                ", can withdraw ",
                Code(record.id),
                ".",
            )
        return ALLOWED

    def operations_for(
        self, *, user: str, channel: str | None, directory: Directory, among: Iterable[str]
    ) -> list[str]:
        """The operation ids of `among` that `user` may request in `channel`, in its order.

        `channel=None` means in some channel (the App Home tab, the request form's select).
        """
        cached = CachedDirectory(directory)
        return [
            op
            for op in among
            if _channel_allowed(self.for_operation(op), channel)
            and listed_or_not(user, self.for_operation(op).requesters, cached)
        ]

    def approvable_by(
        self, user: str, *, directory: Directory, among: Iterable[str]
    ) -> frozenset[str]:
        """The operation ids of `among` that `user` may approve (in some channel): listed among
        the approvers of an operation that needs approvals. For `bot.model.rules.Reader`."""
        cached = CachedDirectory(directory)
        return frozenset(
            op
            for op in among
            if not rules.requester_confirms_alone(self.for_operation(op).approvals)
            and listed_or_not(user, self.for_operation(op).approvers, cached)
        )

    def may_approve(self, record: rules.Made, *, user: str, directory: Directory) -> bool:
        """Whether `user` is among those who may approve `record`, under the policy stored with
        it when there is one (SPEC §9), else the current one. For reading, not for clicks."""
        terms = record.policy or self.for_operation(record.operation)
        needs = not rules.requester_confirms_alone(terms.approvals)
        return needs and listed_or_not(user, terms.approvers, directory)

    def approvers(self, operation: str) -> Approvers:
        """Who may approve `operation` and how many approvals it needs (`bot.cards` renders it)."""
        return Approvers.of(self.for_operation(operation))


def _stale(record: RequestRecord, current: OperationPolicy, user: str) -> Decision | None:
    """Refuse to count approvals towards a request made under a laxer policy, telling `user`
    what can be done: only the requester can withdraw it and request again."""
    if not rules.is_stale(record, current.approvals):
        return None
    if user == record.requester:
        then: tuple[Part, ...] = ("withdraw it and request again.",)
    else:
        then = ("its requester, ", User(record.requester), ", must withdraw it and request again.")
    return refuse(
        Code(record.operation),
        f" now needs {current.approvals} approval{'s' * (current.approvals != 1)} but ",
        Code(record.id),
        f" was made when it needed {record.approvals_needed}: ",
        *then,
    )


def _approval_channel(
    record: RequestRecord, current: OperationPolicy, channel: str
) -> Decision | None:
    """Refuse a click once the policy no longer allows requests where this one was made. Its
    card is only there (a click anywhere else is refused as not its card), so no channel can
    be named to click in: it can only be withdrawn or left to expire."""
    if _channel_allowed(current, channel):
        return None
    return refuse(
        Code(record.operation),
        " may no longer be requested in ",
        Channel(record.channel),
        ", where ",
        Code(record.id),
        " was made, so it cannot be approved or rejected: its requester may withdraw it, "
        "or leave it to expire.",
    )


def _confirm_alone(
    record: RequestRecord, user: str, current: OperationPolicy, directory: Directory
) -> Decision:
    """With ``approvals = 0`` the requester confirms alone: if they may still request it."""
    if user != record.requester:
        return refuse(
            "Only the requester, ", User(record.requester), ", can confirm ", Code(record.id), "."
        )
    if rules.already_approved(record, user):
        return refuse("You already confirmed ", Code(record.id), ".")
    if not listed(user, current.requesters, directory):  # their confirmation is the approval
        if outside := not_a_member(user, current.requesters, directory):
            return refuse(*outside)
        return refuse(
            "You may no longer request ",
            Code(record.operation),
            " (only ",
            *principal_parts(current.requesters),
            " may), so you cannot confirm ",
            Code(record.id),
            ".",
        )
    return ALLOWED
