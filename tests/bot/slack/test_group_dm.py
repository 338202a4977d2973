"""`/ops` typed in a group DM the bot is not in: Slack gives it a channel id like any private
channel's (``C…`` or ``G…``), and names it ``mpdm-…``. Nobody can invite the bot into it, so
the answer sends the requester to a channel rather than to ``/invite``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from surfaces_world import ALICE, session_with

from bot.console.session import ConsoleSession
from bot.console.standin.payloads import FORM, slash_command_body
from bot.model import RequestState

COMMAND = "servicepower job cancel JOB-1001 --reason customer cancelled"
POLICY = '[policy]\napprovers = ["U0BOB"]\n'


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path, POLICY) as opened:
        yield opened


def typed_in(session: ConsoleSession, channel: str, name: str) -> str:
    """`/ops COMMAND` from `channel`, which Slack calls `name`, the bot not in it; the answer."""
    session.standin.bot_not_in(channel)
    body = slash_command_body(
        text=COMMAND,
        user_id=ALICE,
        channel_id=channel,
        response_url=session.standin.response_url(f"in-{channel}"),
    ).replace(f"channel_name={channel.lower()}", f"channel_name={name}")
    before = len(session.standin.calls)
    assert session._dispatch(body, FORM).status == 200
    session.wait()
    (record,) = session.app.store.history(limit=1)
    assert record.state is RequestState.DENIED and record.channel == channel
    [answer] = [c for c in session.standin.calls[before:] if c.method == "response_url"][-1:]
    return str(answer.params)


def test_a_group_dm_is_told_to_use_a_channel_not_to_invite_the_bot(
    session: ConsoleSession,
) -> None:
    said = typed_in(session, "C0GROUPDM", "mpdm-alice--bob--carol-1")
    assert "Approval cards need a channel, not a group DM" in said
    assert f"/ops {COMMAND}" in said and "again in a channel the bot is in" in said
    assert "Invite the bot with" not in said
    (record,) = session.app.store.history(limit=1)
    denied = list(session.app.store.events(request_id=record.id))[-1]
    assert "not a group DM" in denied.detail["reason"]  # the audit log says the same


def test_a_private_channel_is_still_told_to_invite_the_bot(session: ConsoleSession) -> None:
    said = typed_in(session, "C0PRIVATE", "incident-room")
    assert "Invite the bot with" in said and "/invite @opsgate" in said
    assert "group DM" not in said


@pytest.mark.parametrize("name", ["mpdm-release", "mpdm-notes-2026", "mpdm--1"])
def test_a_channel_merely_named_mpdm_is_still_told_to_invite_the_bot(
    session: ConsoleSession, name: str
) -> None:
    """Slack names a group DM ``mpdm-<member>--<member>…-<n>``: two members at least, joined
    by ``--``, and a number. A channel someone named ``mpdm-release`` is a channel the bot can
    be invited to, and is told so."""
    said = typed_in(session, "C0MPDMNAME", name)
    assert "Invite the bot with" in said and "/invite @opsgate" in said
    assert "group DM" not in said


def form_opened_in(session: ConsoleSession, channel: str, name: str) -> dict[str, Any]:
    """`/ops` alone from `channel`, which Slack calls `name`: the form's channel select."""
    body = slash_command_body(
        text="",
        user_id=ALICE,
        channel_id=channel,
        response_url=session.standin.response_url(f"in-{channel}"),
    ).replace(f"channel_name={channel.lower()}", f"channel_name={name}")
    before = len(session.standin.calls)
    assert session._dispatch(body, FORM).status == 200
    session.standin.wait_for(lambda call: call.method == "views.open", since=before, timeout=10)
    view = session.standin.opened_views()[-1]
    select: dict[str, Any] = next(b for b in view["blocks"] if b.get("block_id") == "channel")
    return select


def test_the_form_opened_in_a_group_dm_does_not_choose_it_for_the_card(
    session: ConsoleSession,
) -> None:
    """As from a direct message: a group DM is no channel the card can go to (the select
    offers public and private channels only), so the form leaves the choice to the user."""
    select = form_opened_in(session, "C0GROUPDM", "mpdm-alice--bob--carol-1")
    assert "initial_conversation" not in select["element"]
    select = form_opened_in(session, "G0PRIVATE", "incident-room")  # a private channel: chosen
    assert select["element"]["initial_conversation"] == "G0PRIVATE"
