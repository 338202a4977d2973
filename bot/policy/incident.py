"""Who may break glass, review a break-glass run, and stop a bulk run (SPEC §8, §11).

Questions asked of a `Policy` beside its own (`bot.policy.rules`), each answered with a
`Decision` whose refusal `bot.cards` renders. Like every click, a review or a stop is judged by
the policy at the moment of the click.
"""

from __future__ import annotations

from bot.model import Code, Part, Refusal, RequestRecord, User, rules
from bot.policy.decision import Decision, judged
from bot.policy.members import Directory, listed, not_a_member, principal_parts
from bot.policy.rules import Policy
from bot.policy.standing import unlisting
from commands.model import OperationRequest

_BREAK_GLASS = Code("--break-glass")


@judged
def check_break_glass(
    policy: Policy, request: OperationRequest, *, user: str, directory: Directory
) -> Decision:
    """May `user` run `request` at once, without approvals? Only those the operation's
    ``break_glass`` list names (users or user groups; nobody by default)."""
    op, current = Code(request.operation), policy.for_operation(request.operation)
    if listed(user, current.break_glass, directory):
        return Decision()
    who: tuple[Part, ...] = (
        ("only ", *principal_parts(current.break_glass), " may")
        if current.break_glass
        else ("nobody may: the policy's ", Code("break_glass"), " list is empty")
    )
    return Decision(
        Refusal(
            "You may not use ",
            _BREAK_GLASS,
            " for ",
            op,
            ": ",
            *who,
            ". Drop ",
            _BREAK_GLASS,
            " to ask for approvals instead.",
        )
    )


@judged
def check_review(
    policy: Policy, record: RequestRecord, *, user: str, directory: Directory
) -> Decision:
    """May `user` mark this break-glass run reviewed? Anyone the operation's approvers list
    names, except the requester: someone else looks at what was done without approval. Even
    where ``approvals = 0``: a run without approvals is reviewed all the same."""
    current = policy.for_operation(record.operation)
    if user == record.requester:
        card = record.policy or current  # the rules its card shows
        others = tuple(p for p in card.approvers if p != record.requester)
        return Decision(
            Refusal(
                "You ran ",
                Code(record.id),
                " with ",
                _BREAK_GLASS,
                ", so someone else reviews it (",
                *principal_parts(others),
                ").",
            )
        )
    found = unlisting(record, user, current, directory)
    if found is not None:
        terms, stored = found
        outside = not_a_member(user, terms.approvers, directory)
        if outside:  # "*" leaves them out: saying "only anyone may" would give no reason
            return Decision(Refusal(*outside))
        return Decision(
            Refusal(
                "You may not review ",
                Code(record.id),
                ": only those who may approve ",
                Code(record.operation),
                " under the rules it was run under" if stored else "",
                " may (",
                *principal_parts(terms.approvers),
                ").",
            )
        )
    return Decision()


@judged
def check_stop(
    policy: Policy, record: RequestRecord, *, user: str, directory: Directory
) -> Decision:
    """May `user` stop this executing request? Its requester, and anyone who may approve it;
    only the requester when it needed no approvals (the requester confirmed it alone)."""
    if user == record.requester:
        return Decision()
    if rules.requester_confirms_alone(record.approvals_needed):
        return Decision(
            Refusal(
                "Only the requester, ",
                User(record.requester),
                ", can stop ",
                Code(record.id),
                ": it needed no approvals, so nobody else decides it.",
            )
        )
    found = unlisting(record, user, policy.for_operation(record.operation), directory)
    if found is None:
        return Decision()
    terms, _ = found  # the rules that leave the user out: their approvers are the ones named
    outside = not_a_member(user, terms.approvers, directory)
    if outside:
        return Decision(Refusal(*outside))
    return Decision(
        Refusal(
            "Only the requester, ",
            User(record.requester),
            ", and those who may approve ",
            Code(record.operation),
            " (",
            *principal_parts(terms.approvers),
            ") can stop ",
            Code(record.id),
            ".",
        )
    )
