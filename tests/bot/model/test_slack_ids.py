"""Slack's ids: one strict pattern per kind, and nothing but a string of that shape passes."""

from __future__ import annotations

import pytest

from bot.model import is_channel_id, is_group_id, is_user_id


@pytest.mark.parametrize("value", ["U0ALICE", "W0BOB", "U1", "U" + "A" * 31])
def test_user_ids(value: str) -> None:
    assert is_user_id(value)


@pytest.mark.parametrize(
    "value",
    [5, None, "", "U", "u0alice", "U0ALICE\n", " U0ALICE", "U0-ALICE", "S0OPS", "C0OPS", "U" * 33],
)
def test_not_user_ids(value: object) -> None:
    assert not is_user_id(value)


def test_groups_and_channels() -> None:
    assert is_group_id("S0OPSLEADS") and not is_group_id("U0ALICE")
    assert all(is_channel_id(c) for c in ("C0OPS", "G0PRIVATE", "D0DM"))
    assert not any(is_channel_id(c) for c in ("", "c0ops", "C0OPS ", 7, "U0ALICE", ["C0OPS"]))
