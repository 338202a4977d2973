"""A user group's members changed in Slack (``subteam_members_changed``, ``subteam_updated``):
the policy judges the next click by who is in the group now, through signed Slack payloads."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from surfaces_world import ALICE, BOB, CAROL, LEADS, session_with

from adapters.pools import ContextExecutor
from bot.console.session import ConsoleSession
from bot.console.standin.payloads import JSON, TEAM_ID, subteam_members_changed_body
from bot.model import AuditEventName, RequestState
from bot.slack.teams import current_team, remember_team, team_of


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def request(session: ConsoleSession, job: str = "JOB-1001") -> str:
    session.slash(f"servicepower job cancel {job} --reason INC-7", user=ALICE)
    session.wait()
    return session.app.store.history(limit=1)[0].id


def approve(session: ConsoleSession, request_id: str, user: str) -> RequestState:
    session.click("approve", request_id, user=user)
    session.wait()
    record = session.app.store.get(request_id)
    assert record is not None
    return record.state


def test_someone_taken_out_of_the_approvers_group_cannot_approve_once_slack_says_so(
    session: ConsoleSession,
) -> None:
    # bob approves one request: the group's members are now kept for the next clicks.
    assert approve(session, request(session), BOB) == RequestState.SUCCEEDED
    pending = request(session, "JOB-1002")
    assert session.change_group(LEADS, [CAROL]).status == 200
    session.wait()
    assert approve(session, pending, BOB) == RequestState.PENDING
    denied = list(session.app.store.events(request_id=pending))[-1]
    assert (denied.event, denied.actor) == (AuditEventName.DENIED, BOB)
    assert "may not approve" in json.dumps(denied.detail)
    assert approve(session, pending, CAROL) == RequestState.SUCCEEDED


def test_subteam_updated_drops_the_kept_members_too(session: ConsoleSession) -> None:
    assert approve(session, request(session), BOB) == RequestState.SUCCEEDED
    before = len(session.standin.calls_to("usergroups.users.list"))
    body = json.loads(subteam_members_changed_body(group_id=LEADS, added=[], removed=[]))
    body["event"] = {"type": "subteam_updated", "subteam": {"id": LEADS, "users": [BOB]}}
    assert session._dispatch(json.dumps(body), JSON).status == 200
    session.wait()
    assert approve(session, request(session, "JOB-1002"), BOB) == RequestState.SUCCEEDED
    assert len(session.standin.calls_to("usergroups.users.list")) == before + 1


def test_an_event_naming_no_group_changes_nothing(
    session: ConsoleSession, caplog: pytest.LogCaptureFixture
) -> None:
    assert approve(session, request(session), BOB) == RequestState.SUCCEEDED
    before = len(session.standin.calls_to("usergroups.users.list"))
    body = subteam_members_changed_body(group_id="not-a-group", added=[], removed=[BOB])
    assert session._dispatch(body, JSON).status == 200
    session.wait()
    assert approve(session, request(session, "JOB-1002"), BOB) == RequestState.SUCCEEDED
    assert len(session.standin.calls_to("usergroups.users.list")) == before
    assert "a user group event named no user group" in caplog.text


def test_an_org_install_reads_a_group_in_the_clickers_workspace(session: ConsoleSession) -> None:
    # With an org token Slack wants the workspace on usergroups.users.list; every payload
    # names it (the click's user.team_id, a command's team_id).
    session.standin.org_install = True
    assert approve(session, request(session), BOB) == RequestState.SUCCEEDED
    asked = session.standin.calls_to("usergroups.users.list")
    assert asked and all(call.params.get("team_id") == TEAM_ID for call in asked)


def test_a_group_slack_cannot_read_refuses_with_the_reason_not_as_a_stranger(
    session: ConsoleSession,
) -> None:
    pending = request(session)
    session.standin.rate_limit("usergroups.users.list", times=10)  # past the client's retries
    assert approve(session, pending, BOB) == RequestState.PENDING
    denied = list(session.app.store.events(request_id=pending))[-1]
    said = json.dumps(denied.detail)
    assert denied.event == AuditEventName.DENIED and denied.actor == BOB
    assert "could not ask Slack who is in" in said and "ratelimited" in said
    assert "may not approve" not in said


def test_a_pool_job_sees_the_workspace_of_the_payload_that_submitted_it() -> None:
    seen: list[str | None] = []

    def dispatch() -> None:
        body = {"type": "block_actions", "user": {"id": BOB, "team_id": "T0OTHER"}}
        headers = {"content-type": ["application/json"]}
        request = BoltRequest(body=json.dumps(body), headers=headers)
        remember_team(request, BoltResponse(status=200), lambda: BoltResponse(status=200))
        # What Bolt does once the middleware has returned: hand the listener to its pool.
        with ContextExecutor(max_workers=1) as pool:
            pool.submit(lambda: seen.append(current_team())).result(10)

    before = current_team()
    contextvars.copy_context().run(dispatch)  # as a server thread would, apart from this one's
    assert seen == ["T0OTHER"] and current_team() == before
    assert team_of({"team_id": "not a team"}) is None
