"""help, history, status, the App Home tab, and Slack's retries, through signed HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from served_app import SECRET, served_opsgate

from bot.console.standin.payloads import JSON, app_home_opened_body, signed_headers

ALICE, DAVE = "U0ALICE", "U0DAVE"


def answers(served, key_prefix: str = "cmd-") -> list[str]:  # type: ignore[no-untyped-def]
    return [json.dumps(c.params) for c in served.slack.calls_to("response_url")]


def test_help_lists_operations_with_examples(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash("help huawei", user=ALICE)
        served.opsgate.runner.wait_idle(10)
        [answer] = answers(served)
        assert "huawei.device.delete" in answer and "huawei.package.delete" in answer
        assert "enos.ota-job.delete" not in answer


def test_help_shows_only_what_the_user_may_request(tmp_path: Path) -> None:
    policy = (
        '[policy]\nchannels = ["C0OPS"]\n'
        '[policy.operations."huawei.device.delete"]\nrequesters = ["U0BOB"]\n'
    )
    with served_opsgate(tmp_path, policy=policy) as served:
        served.slash("help", user=DAVE)
        served.opsgate.runner.wait_idle(10)
        [answer] = answers(served)
        assert "huawei.package.delete" in answer and "/ops huawei device delete" not in answer
        # not listed as requestable, nor left out without a word: who may request it is said
        assert "Only <@U0BOB> may request `huawei.device.delete`." in answer


def test_help_shows_the_reason_as_required_where_the_policy_requires_one(tmp_path: Path) -> None:
    policy = (
        '[policy]\napprovers = ["*"]\n'
        '[policy.operations."huawei.package.delete"]\nrequire_reason = false\n'
    )
    with served_opsgate(tmp_path, policy=policy) as served:
        served.slash("help huawei", user=ALICE)
        served.opsgate.runner.wait_idle(10)
        [answer] = answers(served)
        required = (
            "/ops huawei device delete &lt;deviceId&gt; [--app &lt;appId&gt;] [--no-cascade] "
            '--reason \\"&lt;text&gt;\\" [--dry-run]'
        )
        optional = (
            '/ops huawei package delete &lt;fileId&gt; [--reason \\"&lt;text&gt;\\"] [--dry-run]'
        )
        assert required in answer and optional in answer
        assert "Several targets" not in answer  # each huawei operation takes one


def test_history_and_status(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash('servicepower job cancel JOB-1001 --reason "duplicate visit"', user=ALICE)
        request_id = served.card_request_id()
        served.opsgate.runner.wait_idle(10)
        served.slash("history --mine", user=ALICE)
        served.opsgate.runner.wait_idle(10)
        assert request_id in answers(served)[-1]
        served.slash("history --mine", user=DAVE)
        served.opsgate.runner.wait_idle(10)
        assert request_id not in answers(served)[-1]
        served.slash(f"status {request_id.lower()}", user=DAVE)
        served.opsgate.runner.wait_idle(10)
        assert "requested" in answers(served)[-1] and request_id in answers(served)[-1]
        served.slash("status R-00000000", user=DAVE)
        served.opsgate.runner.wait_idle(10)
        assert "no request" in answers(served)[-1].lower()


def test_status_of_an_unknown_id_echoes_the_id_as_typed(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash("status R-NOPE1234", user=DAVE)
        served.opsgate.runner.wait_idle(10)
        said = answers(served)[-1]
        assert "There is no request `R-NOPE1234` (read as `R-N0PE1234`)." in said
        served.slash("status r-zzzzzzzz", user=DAVE)
        served.opsgate.runner.wait_idle(10)
        assert "There is no request `r-zzzzzzzz`." in answers(served)[-1]


def test_dry_run_through_slack_posts_no_card(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        ack = served.slash("huawei package delete pkg-gw-sw-2.0.1 --reason x --dry-run", user=ALICE)
        assert "Dry run" in ack.text
        served.opsgate.runner.wait_idle(10)
        assert served.slack.calls_to("chat.postMessage") == []
        assert "DELETE" in answers(served)[-1]


def test_app_home_tab_is_published(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        body = app_home_opened_body(user_id=ALICE)
        headers = signed_headers(body, signing_secret=SECRET, content_type=JSON)
        assert (
            served.http.post(
                f"{served.url}/slack/events", content=body, headers=headers
            ).status_code
            == 200
        )
        # Bolt acks an event before its listener runs, so wait for Slack, not for the pool.
        published = served.slack.wait_for(lambda call: call.method == "views.publish", timeout=10)
        assert published.params["user_id"] == ALICE
        assert len(served.slack.calls_to("views.publish")) == 1


def test_a_slack_retry_is_acknowledged_and_ignored(tmp_path: Path) -> None:
    from bot.console.standin.payloads import FORM, slash_command_body

    with served_opsgate(tmp_path) as served:
        body = slash_command_body(
            text="huawei package delete pkg-gw-sw-2.0.1 --reason x",
            user_id=ALICE,
            channel_id="C0OPS",
            response_url=served.slack.response_url("retry"),
        )
        headers = {
            **signed_headers(body, signing_secret=SECRET, content_type=FORM),
            "X-Slack-Retry-Num": "1",
            "X-Slack-Retry-Reason": "http_timeout",
        }
        assert (
            served.http.post(
                f"{served.url}/slack/events", content=body, headers=headers
            ).status_code
            == 200
        )
        served.opsgate.runner.wait_idle(10)
        assert served.opsgate.store.history() == []


def test_status_and_history_hide_a_request_from_a_stranger_in_a_dm(tmp_path: Path) -> None:
    policy = '[policy]\nchannels = ["C0OPS"]\napprovers = ["S0OPSLEADS"]\n'
    with served_opsgate(tmp_path, policy=policy) as served:
        served.slash('servicepower job cancel JOB-1001 --reason "duplicate visit"', user=ALICE)
        request_id = served.card_request_id()
        served.opsgate.runner.wait_idle(10)

        served.slash(f"status {request_id}", user=DAVE, channel="D0DAVE")
        served.opsgate.runner.wait_idle(10)
        hidden = answers(served)[-1]
        served.slash("status R-00000000", user=DAVE, channel="D0DAVE")
        served.opsgate.runner.wait_idle(10)
        assert hidden == answers(served)[-1].replace("R-00000000", request_id)
        served.slash("history", user=DAVE, channel="D0DAVE")
        served.opsgate.runner.wait_idle(10)
        assert request_id not in answers(served)[-1]

        served.slash(f"status {request_id}", user="U0BOB", channel="D0BOB")  # an approver
        served.opsgate.runner.wait_idle(10)
        assert "Timeline" in answers(served)[-1]
