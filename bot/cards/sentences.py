"""Refusals, notices and "who may approve", in Slack mrkdwn and in plain text. Pure functions.

The one place a `bot.model.Sentence` becomes text:

- `mrkdwn`: words escaped (`escape`), `Code` as inline code with nothing invisible inside, and
  users, user groups and channels as live references (``<@U…>``, ``<!subteam^S…>``, ``<#C…>``);
- `plain`: no Slack markup at all and ids named readably ("user group S0OPSLEADS"), for a
  message's notification text and for the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from bot.cards.text import (
    clip_raw,
    code,
    defuse_broadcasts,
    escape,
    escape_entities,
    one_line,
)
from bot.model import (
    Anyone,
    Approvers,
    Channel,
    Code,
    Group,
    Part,
    Sentence,
    User,
    is_channel_id,
    is_group_id,
    is_user_id,
    listing,
)

_WORDS_LIMIT: Final = 1500  # one part (a vendor's message, say) cannot crowd out the rest


def mrkdwn(sentence: Sentence | Iterable[Part], *, live: bool = True) -> str:
    """The sentence as Slack mrkdwn, with live mentions and copyable code.

    With `live` false, users and user groups are named without a mention (``user group
    `S0OPSLEADS` ``), so a posted message notifies nobody (policy ``notify_approvers =
    false``); channels stay links.
    """
    if not live:
        return "".join(_quiet(part) for part in _parts(sentence))
    return "".join(_mrkdwn(part) for part in _parts(sentence))


def plain(sentence: Sentence | Iterable[Part]) -> str:
    """The sentence as plain text: no Slack markup, ids named ("user U0ALICE")."""
    return "".join(_plain(part) for part in _parts(sentence))


def notification(sentence: Sentence | Iterable[Part], *, limit: int = 200) -> str:
    """The plain text, made safe for a message's ``text`` field (which Slack reads as mrkdwn)
    and kept on one line, as `escape` keeps it."""
    return defuse_broadcasts(escape_entities(one_line(clip_raw(plain(sentence), limit))))


def approvers_parts(approvers: Approvers, *, count: bool = True) -> tuple[Part, ...]:
    """Who may approve, in words: ``2 approvals from <group>, <user>`` (or, without `count`,
    just the people), ``1 approval from anyone but the requester``, or ``the requester
    confirms alone``."""
    if approvers.requester_alone:
        return ("the requester confirms alone",)
    if approvers.anyone:
        who: tuple[Part, ...] = (Anyone(but_requester=not approvers.requester_counts),)
    else:
        mine = " (the requester may count)" if approvers.requester_counts else ""
        who = (*listing(approvers.named), mine)
    if not count:
        return who
    needed = approvers.needed
    return (f"{needed} approval{'s' if needed > 1 else ''} from ", *who)


def _parts(sentence: Sentence | Iterable[Part]) -> Iterable[Part]:
    return sentence.parts if isinstance(sentence, Sentence) else sentence


def _mrkdwn(part: Part) -> str:
    match part:
        case str():
            return escape(clip_raw(part, _WORDS_LIMIT))
        case Code(text=text):
            return code(text)
        case User(id=ident):
            return f"<@{ident}>" if is_user_id(ident) else escape(ident)
        case Group(id=ident):
            return f"<!subteam^{ident}>" if is_group_id(ident) else escape(ident)
        case Channel(id=ident):
            return f"<#{ident}>" if is_channel_id(ident) else escape(ident)
        case Anyone():
            return _plain(part)
        case Approvers():
            return mrkdwn(approvers_parts(part))


def _quiet(part: Part) -> str:
    match part:
        case User(id=ident):
            return f"user {code(ident)}"
        case Group(id=ident):
            return f"user group {code(ident)}"
        case Approvers():
            return mrkdwn(approvers_parts(part), live=False)
        case _:
            return _mrkdwn(part)


def _plain(part: Part) -> str:
    match part:
        case str():
            return clip_raw(part, _WORDS_LIMIT)
        case Code(text=text):
            return text
        case User(id=ident):
            return f"user {ident}"
        case Group(id=ident):
            return f"user group {ident}"
        case Channel(id=ident):
            return f"channel {ident}"
        case Anyone(but_requester=but):
            return "anyone but the requester" if but else "anyone"
        case Approvers():
            return plain(approvers_parts(part))
