"""Slack Connect: ``"*"`` covers the members of the organization opsgate is installed in, not
people of another organization in a shared channel (SPEC §3), through signed Slack payloads."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.error import URLError
from urllib.parse import parse_qs, urlencode

import pytest
from slack_sdk import WebClient
from surfaces_world import ALICE, BOB, choose, open_form, session_with

from adapters.clock import FakeClock
from bot.cards import APPROVE_ACTION
from bot.cards.form import REASON_BLOCK, TARGETS_BLOCK
from bot.console.session import CHANNEL, ConsoleSession
from bot.console.standin.payloads import FORM, block_action_body, slash_command_body
from bot.console.standin.server import SlackStandIn
from bot.console.standin.surfaces import submission_body
from bot.console.standin.views import state_values
from bot.model import AuditEventName, RequestState
from bot.slack import directory as directory_module
from bot.slack.directory import SlackDirectory
from bot.slack.organizations import actor, channel_of, outsider
from bot.slack.shared import SharedChannels

#: Someone of a partner company, in a channel shared with it.
PARTNER, PARTNER_TEAM = "U0PARTNER", "T0PARTNER"
#: The installation's Enterprise Grid organization, and another workspace of it.
GRID, SISTER_TEAM = "E0OPSGATE", "T0SISTER"
ANYONE = """\
[policy]
requesters = ["*"]
approvers = ["*"]
"""
OUTSIDE = "member of another organization"
CANCEL = "servicepower job cancel {job} --reason INC-7"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    """A session whose channel is shared with a partner company (Slack Connect)."""
    with session_with(tmp_path, ANYONE) as opened:
        opened.standin.share_channel(CHANNEL)
        yield opened


@pytest.fixture
def unshared(tmp_path: Path) -> Iterator[ConsoleSession]:
    """A session whose channel is shared with nobody."""
    with session_with(tmp_path, ANYONE) as opened:
        yield opened


def shared(body: str, **changes: Any) -> str:
    """A payload as Slack sends it from a Slack Connect channel, with `changes` made to it."""
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["is_ext_shared_channel"] = True
    payload.update(changes)
    return urlencode({"payload": json.dumps(payload)})


def request(session: ConsoleSession, job: str = "JOB-1001") -> str:
    session.slash(CANCEL.format(job=job), user=ALICE)
    session.wait()
    return session.app.store.history(limit=1)[0].id


def click(
    session: ConsoleSession, request_id: str, clicker: str, workspace: str, **changes: Any
) -> RequestState:
    """Approve as `clicker` of `workspace` (its user.team_id, and the payload's team)."""
    record = session.app.store.get(request_id)
    assert record is not None and record.message_ts
    body = block_action_body(
        action_id=APPROVE_ACTION,
        value=request_id,
        user_id=clicker,
        channel_id=record.channel,
        message_ts=record.message_ts,
        response_url=session.standin.response_url(f"{clicker}-approve"),
        team_id=workspace,
    )
    assert session._dispatch(shared(body, **changes), FORM).status == 200
    session.wait()
    after = session.app.store.get(request_id)
    assert after is not None
    return after.state


def said(session: ConsoleSession, request_id: str) -> tuple[AuditEventName, str, str]:
    """The last event recorded of the request: its name, actor and what it said."""
    last = list(session.app.store.events(request_id=request_id))[-1]
    return last.event, last.actor, json.dumps(last.detail)


def told(session: ConsoleSession, user: str) -> str:
    """Everything opsgate answered `user` privately, as sent to Slack."""
    return json.dumps(
        [c.params for c in session.standin.calls if user in json.dumps(c.params)],
    )


def test_a_partners_approve_under_anyone_is_refused_audited_and_runs_nothing(
    session: ConsoleSession,
) -> None:
    pending = request(session)
    assert click(session, pending, PARTNER, PARTNER_TEAM) == RequestState.PENDING
    event, actor, detail = said(session, pending)
    assert (event, actor) == (AuditEventName.DENIED, PARTNER)
    assert OUTSIDE in detail and "name them in the policy" in detail
    assert OUTSIDE in told(session, PARTNER)
    events = [e.event for e in session.app.store.events(request_id=pending)]
    assert AuditEventName.APPROVED not in events and AuditEventName.EXECUTING not in events
    # The card still waits for a member of the organization, whose click runs it.
    assert click(session, pending, BOB, "T0OPSGATE") == RequestState.SUCCEEDED


def test_a_partner_named_in_the_policy_may_approve(tmp_path: Path) -> None:
    named = ANYONE.replace('approvers = ["*"]', f'approvers = ["*", "{PARTNER}"]')
    with session_with(tmp_path, named) as session:
        pending = request(session)
        assert click(session, pending, PARTNER, PARTNER_TEAM) == RequestState.SUCCEEDED
        assert said(session, pending)[0] == AuditEventName.SUCCEEDED


def test_a_member_of_another_workspace_of_the_same_grid_organization_may_approve(
    session: ConsoleSession,
) -> None:
    session.standin.enterprise_id = GRID  # before the first payload: auth.test is asked once
    pending = request(session)
    grid = {"id": SISTER_TEAM, "domain": "sister", "enterprise_id": GRID}
    state = click(session, pending, PARTNER, SISTER_TEAM, team=grid)
    assert state == RequestState.SUCCEEDED


def test_a_workspace_of_another_grid_organization_is_outside(session: ConsoleSession) -> None:
    session.standin.enterprise_id = GRID
    pending = request(session)
    other = {"id": PARTNER_TEAM, "domain": "partner", "enterprise_id": "E0PARTNER"}
    assert click(session, pending, PARTNER, PARTNER_TEAM, team=other) == (RequestState.PENDING)
    assert OUTSIDE in said(session, pending)[2]


def test_a_click_naming_no_users_workspace_is_judged_as_before(session: ConsoleSession) -> None:
    pending = request(session)
    user = {"id": PARTNER, "username": "partner", "name": "partner"}  # no team_id
    state = click(session, pending, PARTNER, PARTNER_TEAM, user=user)
    assert state == RequestState.SUCCEEDED


def test_a_partners_slash_command_under_anyone_is_refused_and_audited(
    session: ConsoleSession,
) -> None:
    body = slash_command_body(
        text=CANCEL.format(job="JOB-1001"),
        user_id=PARTNER,
        channel_id=CHANNEL,
        response_url=session.standin.response_url("partner-command"),
        team_id=PARTNER_TEAM,
    )
    assert session._dispatch(body, FORM).status == 200
    session.wait()
    [refused] = session.app.store.history(limit=5)
    assert (refused.state, refused.requester) == (RequestState.DENIED, PARTNER)
    event, actor, detail = said(session, refused.id)
    assert (event, actor) == (AuditEventName.DENIED, PARTNER) and OUTSIDE in detail
    assert OUTSIDE in told(session, PARTNER)


def test_a_partners_form_submission_under_anyone_is_refused(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), "servicepower.job.cancel")
    answers = {TARGETS_BLOCK: "JOB-1001", REASON_BLOCK: "INC-7"}
    body = submission_body(
        user_id=PARTNER, view=view, state=state_values(view, answers), team_id=PARTNER_TEAM
    )
    assert session._dispatch(body, FORM).status == 200
    session.wait()
    [refused] = session.app.store.history(limit=5)
    assert (refused.state, refused.requester) == (RequestState.DENIED, PARTNER)
    assert OUTSIDE in said(session, refused.id)[2]


def outside(body: dict[str, Any], enterprise: str | None) -> bool:
    """Whether `body`'s user is of another organization than workspace T0OPSGATE's."""
    who = actor(body)
    assert who is not None
    return outsider(who, team="T0OPSGATE", enterprise=enterprise)


def test_the_users_organization_is_taken_only_from_what_ties_it_to_their_workspace() -> None:
    click_body = {"user": {"id": PARTNER, "team_id": SISTER_TEAM}}
    tied = {**click_body, "team": {"id": SISTER_TEAM, "enterprise_id": GRID}}
    assert not outside(tied, GRID)
    # A payload's team naming another workspace says nothing of the user's organization.
    untied = {**click_body, "team": {"id": "T0OPSGATE", "enterprise_id": GRID}}
    assert outside(untied, GRID)
    command = {"command": "/ops", "user_id": PARTNER, "team_id": SISTER_TEAM, "enterprise_id": GRID}
    assert not outside(command, GRID)
    assert outside(command, None)
    assert actor({"user": {"id": PARTNER}}) is None and actor({"event": {}}) is None


def test_only_the_most_recently_seen_outsiders_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directory_module, "OUTSIDERS_KEPT", 2)
    with SlackStandIn() as slack:
        slack.share_channel(CHANNEL)
        directory = SlackDirectory(WebClient(token="xoxb-x", base_url=slack.api_url))
        for user in ("U0ONE", "U0TWO", "U0ONE", "U0THREE"):
            directory.saw(user, other_workspace=True, channel=CHANNEL)
        seen = [directory.outsider(u) for u in ("U0ONE", "U0TWO", "U0THREE")]
        assert seen == [True, False, True]
        directory.saw("U0ONE", other_workspace=False)  # a later payload says they are a member
        assert not directory.outsider("U0ONE")


def asked(session: ConsoleSession) -> list[str]:
    """The channels opsgate asked ``conversations.info`` about, in order."""
    return [str(c.params.get("channel")) for c in session.standin.calls_to("conversations.info")]


def test_another_workspace_in_a_channel_not_shared_is_a_member(unshared: ConsoleSession) -> None:
    # Slack's own sample payloads, and payloads copied into a harness, name another workspace
    # than the installation's: that alone makes nobody an outsider.
    pending = request(unshared)
    assert click(unshared, pending, PARTNER, PARTNER_TEAM) == RequestState.SUCCEEDED
    assert asked(unshared) == [CHANNEL]


def test_a_member_of_the_installations_workspace_costs_no_call(session: ConsoleSession) -> None:
    pending = request(session)
    assert click(session, pending, BOB, "T0OPSGATE") == RequestState.SUCCEEDED
    assert asked(session) == []


def test_a_channel_invited_to_share_is_shared_already(unshared: ConsoleSession) -> None:
    unshared.standin.share_channel(CHANNEL, pending=True)
    pending = request(unshared)
    assert click(unshared, pending, PARTNER, PARTNER_TEAM) == RequestState.PENDING
    assert OUTSIDE in said(unshared, pending)[2]


@pytest.mark.parametrize("error", ["missing_scope", "unknown_method", "channel_not_found"])
def test_when_slack_cannot_say_whether_the_channel_is_shared_they_are_a_member(
    session: ConsoleSession, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    session.standin.refuse("conversations.info", error)
    pending = request(session)
    with caplog.at_level(logging.WARNING, logger="bot.slack.shared"):
        assert click(session, pending, PARTNER, PARTNER_TEAM) == RequestState.SUCCEEDED
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.shared"]
    assert f"conversations.info {CHANNEL} failed: {error}" in line  # one line for the click
    assert "xoxb" not in line and asked(session) == [CHANNEL]


def test_whether_a_channel_is_shared_is_asked_once_for_a_burst_of_clicks(
    session: ConsoleSession,
) -> None:
    first, second = request(session, "JOB-1001"), request(session, "JOB-1002")
    assert click(session, first, PARTNER, PARTNER_TEAM) == RequestState.PENDING
    assert click(session, second, PARTNER, PARTNER_TEAM) == RequestState.PENDING
    assert asked(session) == [CHANNEL]
    assert [said(session, r)[:2] for r in (first, second)] == [(AuditEventName.DENIED, PARTNER)] * 2


class Unreachable:
    """A Web API client whose every call fails on the network."""

    def conversations_info(self, *, channel: str) -> Any:
        raise URLError(ConnectionRefusedError(111, "Connection refused"))


def test_a_network_error_asking_slack_fails_open_and_heals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    channels = SharedChannels(cast(WebClient, Unreachable()), retry=30, ttl=300, clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.slack.shared"):
        assert not channels.shared(CHANNEL) and not channels.shared(CHANNEL)
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.shared"]
    assert "conversations.info C0OPS failed: URLError" in line  # once: not asked again at once
    with SlackStandIn() as slack:
        slack.share_channel(CHANNEL)
        channels._client = WebClient(token="xoxb-x", base_url=slack.api_url)
        clock.advance(30)  # then asked again, and Slack answers
        assert channels.shared(CHANNEL) and channels.shared(CHANNEL)
        assert len(slack.calls_to("conversations.info")) == 1
        clock.advance(300)  # an answer is kept a few minutes
        assert channels.shared(CHANNEL)
        assert len(slack.calls_to("conversations.info")) == 2


def test_a_payload_naming_no_channel_keeps_what_an_earlier_one_said() -> None:
    with SlackStandIn() as slack:
        slack.share_channel(CHANNEL)
        directory = SlackDirectory(WebClient(token="xoxb-x", base_url=slack.api_url))
        directory.saw(PARTNER, other_workspace=True)  # App Home, a shortcut: no channel
        assert not directory.outsider(PARTNER) and slack.calls_to("conversations.info") == []
        directory.saw(PARTNER, other_workspace=True, channel=CHANNEL)
        directory.saw(PARTNER, other_workspace=True)
        assert directory.outsider(PARTNER)


def test_the_conversation_a_payload_is_about() -> None:
    assert channel_of({"channel": {"id": "C0ONE"}, "container": {"channel_id": "C0ONE"}}) == "C0ONE"
    assert channel_of({"command": "/ops", "channel_id": "G0PRIV"}) == "G0PRIV"
    chosen = {"channel": {"opsgate_value": {"selected_conversation": "C0CHOSEN"}}}
    assert channel_of({"view": {"state": {"values": chosen}}}) == "C0CHOSEN"
    dialog = {"private_metadata": json.dumps({"request_id": "R-1", "channel": "C0CARD"})}
    assert channel_of({"view": dialog}) == "C0CARD"
    home = {"container": {"type": "view", "view_id": "V1"}, "view": {"type": "home"}}
    assert channel_of(home) is None
    assert channel_of({"view": {"private_metadata": "{not json"}, "channel_id": "#ops"}) is None
