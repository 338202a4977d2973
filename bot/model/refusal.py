"""Refusals as structured values: sentences built from parts, rendered only by `bot.cards`.

The policy and the lifecycle say *what* they mean (a user, a user group, an id to copy); the
cards decide how it looks: in Slack mrkdwn a group is a live group mention and an id is inline
code with nothing invisible inside, while the plain-text rendering (notification text, the
audit log) names each id readably ("user group S0OPSLEADS").

`Refusal` and `Notice` are both a `Sentence`. A part is one of:

- ``str``: plain words (the cards escape them);
- `Code`: text to copy exactly (a request id, a setting name, a command);
- `User`, `Group`, `Channel`: a Slack user, user group or channel, by id;
- `Anyone`: "anyone" or "anyone but the requester";
- `Approvers`: who may approve a request and how many approvals complete it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final, TypeAlias

from bot.model.records import PolicyTerms
from bot.model.rules import requester_confirms_alone

_BACKTICKED: Final = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True)
class Code:
    """Text the reader may copy: shown as inline code, exactly as written."""

    text: str


@dataclass(frozen=True)
class User:
    """A Slack user, by id (``U…``/``W…``)."""

    id: str


@dataclass(frozen=True)
class Group:
    """A Slack user group, by id (``S…``)."""

    id: str


@dataclass(frozen=True)
class Channel:
    """A Slack channel, by id (``C…``/``G…``/``D…``)."""

    id: str


@dataclass(frozen=True)
class Anyone:
    """Anyone at all, or anyone but the request's requester."""

    but_requester: bool = True


@dataclass(frozen=True)
class Approvers:
    """Who may approve a request, and how many distinct approvals complete it.

    Attributes:
        needed: Approvals needed; 0 means the requester confirms alone.
        named: The users and user groups the policy lists.
        anyone: True when the policy lists ``"*"``: anyone (but the requester, unless
            `requester_counts`).
        requester_counts: True when the requester, if an approver, may count (self-approval).
    """

    needed: int
    named: tuple[User | Group, ...] = ()
    anyone: bool = False
    requester_counts: bool = False

    @property
    def requester_alone(self) -> bool:
        """True when nobody but the requester decides (``approvals = 0``)."""
        return requester_confirms_alone(self.needed)

    def for_requester(self, requester: str) -> Approvers:
        """These approvers as a request by `requester` sees them: the requester may count only
        if they could be among them (named, or possibly in ``"*"`` or a user group)."""
        if not self.requester_counts or self.anyone or User(requester) in self.named:
            return self
        if any(isinstance(p, Group) for p in self.named):
            return self  # the requester may be a member
        return replace(self, requester_counts=False)

    @classmethod
    def of(cls, terms: PolicyTerms) -> Approvers:
        """Who may approve under `terms`: a live operation policy, or the snapshot a request
        keeps of the policy that applied when it was made."""
        named = (principal(p) for p in terms.approvers if p != "*")
        return cls(
            needed=terms.approvals,
            named=tuple(p for p in named if isinstance(p, User | Group)),
            anyone="*" in terms.approvers,
            requester_counts=terms.self_approval,
        )


Part: TypeAlias = str | Code | User | Group | Channel | Anyone | Approvers


@dataclass(frozen=True, init=False)
class Sentence:
    """A sentence made of parts, built as it reads: ``Refusal("Use ", Code("/ops help"), ".")``.

    Attributes:
        parts: The parts in reading order (empty strings dropped).
    """

    parts: tuple[Part, ...]

    def __init__(self, *parts: Part) -> None:
        object.__setattr__(self, "parts", tuple(p for p in parts if p != ""))


class Refusal(Sentence):
    """Why a request or a click was refused (answered privately, recorded in the audit log)."""


class Notice(Sentence):
    """What a request or a click did, told privately to whoever acted (nothing was refused)."""


def principal(ident: str) -> User | Group | Anyone:
    """A policy principal (``U…``/``W…`` user, ``S…`` group, or ``"*"``) as a part."""
    if ident == "*":
        return Anyone(but_requester=False)
    return Group(ident) if ident.startswith("S") else User(ident)


def listing(items: Iterable[Part], *, empty: str = "nobody") -> tuple[Part, ...]:
    """Parts joined with ``", "``; `empty` when there are none."""
    joined: list[Part] = []
    for item in items:
        if joined:
            joined.append(", ")
        joined.append(item)
    return tuple(joined) or (empty,)


def backticked(text: str) -> tuple[Part, ...]:
    """Split text that marks code with backticks (adapter messages) into words and `Code`.

    ``"Set `OPSGATE_ACME__BASE_URL` first"`` becomes
    ``("Set ", Code("OPSGATE_ACME__BASE_URL"), " first")``; an unpaired backtick stays text.
    """
    parts: list[Part] = []
    at = 0
    for match in _BACKTICKED.finditer(text):
        parts.append(text[at : match.start()])
        parts.append(Code(match.group(1)))
        at = match.end()
    parts.append(text[at:])
    return tuple(p for p in parts if p != "")
