"""Refusals are built from parts; the parts say what they are, not how they look."""

from __future__ import annotations

from bot.model import (
    Anyone,
    Approvers,
    Code,
    Group,
    Refusal,
    User,
    backticked,
    listing,
    principal,
)


def test_a_refusal_reads_in_order_and_drops_empty_words() -> None:
    refusal = Refusal("Only ", User("U1"), "", " may withdraw ", Code("R-1"), ".")
    assert refusal.parts == ("Only ", User("U1"), " may withdraw ", Code("R-1"), ".")
    assert refusal == Refusal("Only ", User("U1"), " may withdraw ", Code("R-1"), ".")


def test_principals_become_users_groups_or_anyone() -> None:
    assert principal("U123") == User("U123")
    assert principal("W123") == User("W123")
    assert principal("S0LEADS") == Group("S0LEADS")
    assert principal("*") == Anyone(but_requester=False)


def test_listing_joins_with_commas_or_says_nobody() -> None:
    assert listing([User("U1"), Group("S1")]) == (User("U1"), ", ", Group("S1"))
    assert listing([]) == ("nobody",)
    assert listing([], empty="no channel") == ("no channel",)


def test_backticked_adapter_text_becomes_code() -> None:
    assert backticked("Set `OPSGATE_ENOS__BASE_URL` and `__APP_KEY`.") == (
        "Set ",
        Code("OPSGATE_ENOS__BASE_URL"),
        " and ",
        Code("__APP_KEY"),
        ".",
    )
    assert backticked("no code here") == ("no code here",)
    assert backticked("an `unpaired backtick") == ("an `unpaired backtick",)
    assert backticked("`all code`") == (Code("all code"),)


def test_the_requester_may_count_only_if_they_could_be_among_the_approvers() -> None:
    def counts(*named: User | Group, anyone: bool = False) -> bool:
        approvers = Approvers(needed=1, named=named, anyone=anyone, requester_counts=True)
        return approvers.for_requester("U0ALICE").requester_counts

    assert not counts(User("U0BOB"), User("U0CAROL"))  # not an approver: nothing to count
    assert counts(User("U0ALICE"), User("U0BOB"))
    assert counts(Group("S0LEADS"))  # may be a member
    assert counts(anyone=True)
    strict = Approvers(needed=1, named=(User("U0ALICE"),), requester_counts=False)
    assert strict.for_requester("U0ALICE") == strict
