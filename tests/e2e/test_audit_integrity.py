"""SPEC §8 and §9 through real signed HTTP: a replayed slash command creates nothing; every ended
request is announced in the audit channel; status shows the policy that applied."""

from __future__ import annotations

from pathlib import Path

from served_app import CHANNEL, FORM, SECRET, Served, served_opsgate
from slack_bolt.request import BoltRequest

from bot import cards
from bot.app import build_app
from bot.console.standin.payloads import signed_headers, slash_command_body

ALICE, BOB = "U0ALICE", "U0BOB"
PACKAGE = 'huawei package delete pkg-meter-fw-1.2.0 --reason "superseded by 1.3"'
AUDIT_CHANNEL = "C0AUDIT"


def post(served: Served, body: str) -> int:
    headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
    return served.http.post(f"{served.url}/slack/events", content=body, headers=headers).status_code


def cards_posted(served: Served) -> int:
    calls = served.slack.calls_to("chat.postMessage")
    return len([c for c in calls if c.params.get("channel") == CHANNEL])


def test_a_replayed_slash_command_creates_nothing(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        body = slash_command_body(
            text=PACKAGE,
            user_id=ALICE,
            channel_id=CHANNEL,
            response_url=served.slack.response_url("replayed"),
        )
        assert post(served, body) == 200
        assert served.opsgate.runner.wait_idle(10)

        assert post(served, body) == 200  # the same signed request, within Slack's 5 minutes
        assert post(served, body) == 200
        assert served.opsgate.runner.wait_idle(10)

        assert len(served.opsgate.store.history()) == 1
        assert cards_posted(served) == 1
        # A new invocation of the same command (a new trigger id) is a new request.
        assert served.slash(PACKAGE, user=ALICE).status_code == 200
        assert served.opsgate.runner.wait_idle(10)
        assert len(served.opsgate.store.history()) == 2


def test_a_command_replayed_to_another_process_creates_nothing(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        body = slash_command_body(
            text=PACKAGE,
            user_id=ALICE,
            channel_id=CHANNEL,
            response_url=served.slack.response_url("replayed"),
        )
        assert post(served, body) == 200
        assert served.opsgate.runner.wait_idle(10)
        other = build_app(served.opsgate.settings)  # a second process on the same database
        try:
            headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
            response = other.bolt.dispatch(BoltRequest(body=body, headers=dict(headers)))
            assert response.status == 200
            assert other.runner.wait_idle(10)
        finally:
            other.close()

        assert len(served.opsgate.store.history()) == 1
        assert cards_posted(served) == 1


def test_an_ended_request_is_announced_in_the_audit_channel(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, env={"OPSGATE_AUDIT_CHANNEL": AUDIT_CHANNEL}) as served:
        assert served.slash(PACKAGE, user=ALICE).status_code == 200
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        assert served.click(cards.APPROVE_ACTION, request_id, user=BOB).status_code == 200
        assert served.opsgate.runner.wait_idle(10)

        head = served.opsgate.store.head()
        [announcement] = [
            c
            for c in served.slack.calls_to("chat.postMessage")
            if c.params.get("channel") == AUDIT_CHANNEL
        ]
        assert announcement.params["text"] == (
            f"{request_id} huawei.package.delete succeeded · head {head}"
        )
        assert served.opsgate.store.verify(anchors=[head]).ok


def test_status_shows_the_policy_the_request_was_made_under(tmp_path: Path) -> None:
    strict = '[policy]\nchannels = ["C0OPS"]\napprovals = 2\napprovers = ["S0OPSLEADS"]\n'
    with served_opsgate(tmp_path, policy=strict) as served:
        assert served.slash(PACKAGE, user=ALICE).status_code == 200
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)

    with served_opsgate(tmp_path) as served:  # the policy now asks for one approval only
        assert served.slash(f"status {request_id}", user=ALICE).status_code == 200
        assert served.opsgate.runner.wait_idle(10)
        answer = served.slack.wait_for(lambda c: c.method == "response_url", timeout=10)

        text = str(answer.params.get("blocks"))
        assert "<!subteam^S0OPSLEADS>" in text  # who could approve when it was made
        assert "anyone" not in text  # not what the policy says now
        assert "0 of 2 needed" in text
