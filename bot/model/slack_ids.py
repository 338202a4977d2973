"""Slack's ids as opsgate accepts them (SPEC §1, §3, §4): one strict pattern per kind.

A user id is ``U…`` or ``W…``, a user group id ``S…``, a channel id ``C…``, ``G…`` or ``D…``:
an upper-case letter, then 1 to 31 upper-case letters and digits. The policy names people and
channels with these; the cards mention them; and every id a Slack payload carries is checked
against them before any work (`bot.slack.senders`), so nothing else is ever an actor.
"""

from __future__ import annotations

import re
from typing import Final, TypeGuard

USER_ID: Final = re.compile(r"[UW][A-Z0-9]{1,31}")
GROUP_ID: Final = re.compile(r"S[A-Z0-9]{1,31}")
CHANNEL_ID: Final = re.compile(r"[CGD][A-Z0-9]{1,31}")
#: A workspace (``T…``), or an Enterprise Grid organization (``E…``).
TEAM_ID: Final = re.compile(r"[TE][A-Z0-9]{1,31}")


def is_user_id(value: object) -> bool:
    """True for a string that is a Slack user id (``U…``/``W…``), and nothing else."""
    return isinstance(value, str) and USER_ID.fullmatch(value) is not None


def is_group_id(value: object) -> TypeGuard[str]:
    """True for a string that is a Slack user group id (``S…``)."""
    return isinstance(value, str) and GROUP_ID.fullmatch(value) is not None


def is_channel_id(value: object) -> bool:
    """True for a string that is a Slack channel id (``C…``/``G…``/``D…``)."""
    return isinstance(value, str) and CHANNEL_ID.fullmatch(value) is not None
