"""Who may act on a stored request as an approver: under the rules stored with it (what its card
shows) and under the current ones, both.

A click is judged by the policy at the moment of the click (SPEC §2) and by the rules the
request was made under: a policy loosened since lets nobody approve, reject, stop or review it
whom its card left out; one tightened since does not let in someone it now leaves out. A request
stored before opsgate kept its rules is judged by the current ones only.
"""

from __future__ import annotations

from dataclasses import replace

from bot.model import Approvers, Code, PolicyTerms, RequestRecord, rules
from bot.policy.config import OperationPolicy
from bot.policy.decision import Decision, refuse
from bot.policy.members import CachedDirectory, Directory, listed, not_a_member


def rules_of(record: RequestRecord, current: OperationPolicy) -> list[tuple[PolicyTerms, bool]]:
    """The current rules, then those stored with `record` (each paired with whether it is the
    stored one)."""
    return [(current, False), *([(record.policy, True)] if record.policy is not None else [])]


def needs_of(record: RequestRecord, terms: PolicyTerms) -> Approvers:
    """Who may approve under `terms`, counted as `record` counts approvals (its stored count:
    a policy lowered to 0 since does not make it "the requester confirms alone")."""
    approvers = Approvers.of(terms)
    return replace(approvers, needed=record.approvals_needed).for_requester(record.requester)


def unlisting(
    record: RequestRecord, user: str, current: OperationPolicy, directory: Directory
) -> tuple[PolicyTerms, bool] | None:
    """The first set of rules (`rules_of`) whose approvers do not list `user`; None when both do."""
    cached = CachedDirectory(directory)
    for terms, stored in rules_of(record, current):
        if not listed(user, terms.approvers, cached):
            return terms, stored
    return None


def lapsed_approvers(
    record: RequestRecord, current: OperationPolicy, directory: Directory
) -> frozenset[str]:
    """Those who approved `record` already but could not approve it now: `not_an_approver`
    refuses them, as it would a new click of theirs (taken out of a group, or left out by the
    rules in force). Their approvals stay recorded but no longer count. Give it the
    clicker's `CachedDirectory`, so that a group is read once for everyone judged.

    Raises:
        GroupUnreadable: A group that might list one of them could not be read.
    """
    return frozenset(
        approver
        for approver in record.approvers
        if not_an_approver(record, approver, current, directory) is not None
    )


def not_an_approver(
    record: RequestRecord, user: str, current: OperationPolicy, directory: Directory
) -> Decision | None:
    """Why `user` may not approve `record`, or None: the requester counts only where both
    sets of rules allow self-approval; anyone else must be listed by both."""
    # The card's rules first: they say how many approvals the request needs, and from whom.
    for terms, _ in reversed(rules_of(record, current)):
        if rules.requester_excluded(record, user, self_approval=terms.self_approval):
            needs = needs_of(record, terms)
            return refuse(
                "You requested ", Code(record.id), ", so you cannot approve it: ", needs, "."
            )
    found = unlisting(record, user, current, directory)
    if found is None:
        return None
    terms, stored = found
    outside = not_a_member(user, terms.approvers, directory)
    if outside:
        return refuse(*outside)
    if stored:
        return refuse(
            "You may not approve ",
            Code(record.id),
            ": it was requested under rules that need ",
            needs_of(record, terms),
            ".",
        )
    return refuse(
        "You may not approve ", Code(record.operation), ": ", needs_of(record, terms), "."
    )


def turned_off(record: RequestRecord, current: OperationPolicy) -> Decision | None:
    """Refuse an approval once the policy turns the operation off (``requesters = []``, which
    lets nobody request it): nothing of it may start, a request made before included. It may
    still be rejected, or withdrawn by its requester, or left to expire."""
    if current.requesters:
        return None
    return refuse(
        Code(record.operation),
        " is turned off: the policy lets nobody request it (",
        Code("requesters = []"),
        "), so ",
        Code(record.id),
        " cannot be approved: its requester may withdraw it, or leave it to expire.",
    )


def judged_again(
    record: RequestRecord, user: str, current: OperationPolicy, directory: Directory
) -> Decision:
    """The decision on an Approve click by someone who may approve: the earlier approvers who
    could not approve now (`lapsed_approvers`). Someone who approved already approves nothing
    more: their click counts only when it finds a lapsed approval (their own, or another's)
    able to count again, and is otherwise refused.

    Raises:
        GroupUnreadable: As `lapsed_approvers`.
    """
    lapsed = lapsed_approvers(record, current, directory)
    counted = rules.already_approved(record, user) and user not in record.lapsed
    if counted and not set(record.lapsed) - lapsed:
        return refuse("You already approved ", Code(record.id), ".")
    return Decision(lapsed=lapsed)
