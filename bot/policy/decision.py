"""The policy's answer to one question (a `Decision`), and what it says when Slack cannot tell
who is in a user group the question depends on (`judged`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

from bot.model import Code, Group, Part, Refusal
from bot.policy.members import GroupUnreadable

P = ParamSpec("P")


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed, or refused with a `Refusal` the cards render.

    Attributes:
        refusal: Why not; None when allowed.
        lapsed: Of an allowed approval, the earlier approvers whose approvals no longer count:
            they could not approve the request now (`Policy.check_approval`).
        missing: Of a refused request, what its command lacks (``--reason "<why>"``): the
            same command with it appended would pass this check.
    """

    refusal: Refusal | None = None
    lapsed: frozenset[str] = frozenset()
    missing: str | None = None

    @property
    def allowed(self) -> bool:
        """True when nothing was refused."""
        return self.refusal is None


ALLOWED = Decision()


def refuse(*parts: Part) -> Decision:
    """A refusal made of `parts`."""
    return Decision(Refusal(*parts))


def judged(check: Callable[P, Decision]) -> Callable[P, Decision]:
    """`check`, refusing (failing closed) with the reason when a user group it asked about
    cannot be read from Slack, rather than saying the person may not act."""

    @functools.wraps(check)
    def decide(*args: P.args, **kwargs: P.kwargs) -> Decision:
        try:
            return check(*args, **kwargs)
        except GroupUnreadable as exc:
            if exc.error == "no_such_subteam":  # gone for good: waiting will not help
                return refuse(
                    "Slack has no user group ",
                    Code(exc.group_id),
                    ", which the policy names, so opsgate cannot tell whether you may do "
                    "this: ask an admin to fix the policy.",
                )
            return refuse(
                "opsgate could not ask Slack who is in ",
                Group(exc.group_id),
                " (",
                Code(exc.error),
                "), so it cannot tell whether you may do this: try again in a moment.",
            )

    return decide
