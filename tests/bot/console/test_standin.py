"""The Slack Web API stand-in, driven by a real slack_sdk WebClient, and the payload builders."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.console.standin.payloads import (
    FORM,
    JSON,
    app_home_opened_body,
    block_action_body,
    signed_headers,
    slash_command_body,
    view_submission_body,
)
from bot.console.standin.server import RecordedCall, SlackStandIn

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*card*"}}]
SECRET = "s3cr3t-signing"


class FrozenClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(users={"U1": "alice", "U2": "bob"}, groups={"S1": ["U1", "U2"]}) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url, timeout=5)


def test_listens_on_loopback_only(slack: SlackStandIn) -> None:
    assert slack.api_url.startswith("http://127.0.0.1:")
    assert slack.api_url.endswith("/api/")


def test_auth_test_answers_like_slack(client: WebClient) -> None:
    reply = client.auth_test()
    assert reply["ok"] is True
    assert (reply["team_id"], reply["user_id"], reply["bot_id"]) == (
        "T0OPSGATE",
        "U0OPSGATE",
        "B0OPSGATE",
    )


def test_post_then_update_keeps_the_latest_version(client: WebClient, slack: SlackStandIn) -> None:
    first = client.chat_postMessage(channel="C1", text="pending", blocks=BLOCKS)
    second = client.chat_postMessage(channel="C1", text="another")
    assert first["channel"] == "C1"
    assert first["message"]["blocks"] == BLOCKS
    assert first["ts"] < second["ts"]
    client.chat_update(channel="C1", ts=first["ts"], text="done", blocks=[{"type": "divider"}])
    latest = slack.message("C1", first["ts"])
    assert latest is not None
    assert latest["text"] == "done"
    assert latest["blocks"] == [{"type": "divider"}]
    assert slack.message("C1", second["ts"])["text"] == "another"  # type: ignore[index]
    assert slack.message("C2", first["ts"]) is None


def test_update_without_blocks_keeps_them_and_unknown_message_fails(
    client: WebClient, slack: SlackStandIn
) -> None:
    ts = client.chat_postMessage(channel="C1", text="a", blocks=BLOCKS)["ts"]
    client.chat_update(channel="C1", ts=ts, text="b")
    assert slack.message("C1", ts)["blocks"] == BLOCKS  # type: ignore[index]
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel="C1", ts="1.000000", text="x")
    assert caught.value.response["error"] == "message_not_found"


def test_a_stand_in_started_since_a_time_keeps_messages_stamped_before_it() -> None:
    """The console's workspace outlives each session: a card posted in an earlier one can be
    updated; one stamped after the start must have been posted here."""
    with SlackStandIn(since=1_800_000_000.5) as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        posted = client.chat_postMessage(channel="C1", text="now")["ts"]
        assert posted == "1800000000.500100"  # after any message of an earlier session
        client.chat_update(channel="C1", ts="1800000000.499900", text="redrawn", blocks=BLOCKS)
        kept = slack.message("C1", "1800000000.499900")
        assert kept is not None and kept["blocks"] == BLOCKS
        with pytest.raises(SlackApiError) as caught:
            client.chat_update(channel="C1", ts="1800000000.500200", text="x")
        assert caught.value.response["error"] == "message_not_found"


def test_post_needs_channel_and_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="no_text"):
        client.api_call("chat.postMessage", json={"channel": "C1"})
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.api_call("chat.postMessage", json={"text": "x"})


def test_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(30)]
    assert stamps == sorted(set(stamps))
    assert all(len(ts) == len("1767225600.000100") for ts in stamps)


def test_ephemeral_is_recorded_with_its_blocks(client: WebClient, slack: SlackStandIn) -> None:
    reply = client.chat_postEphemeral(channel="C1", user="U1", text="only you", blocks=BLOCKS)
    assert reply["message_ts"]
    [call] = slack.calls_to("chat.postEphemeral")
    assert call.params["user"] == "U1"
    assert call.params["blocks"] == BLOCKS


def test_users_and_usergroups(client: WebClient) -> None:
    assert client.users_info(user="U1")["user"]["name"] == "alice"
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U9")
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        client.usergroups_users_list(usergroup="S9")


def test_any_user_is_known_without_a_user_table() -> None:
    with SlackStandIn() as standin:
        client = WebClient(token="xoxb-x", base_url=standin.api_url)
        assert client.users_info(user="U77")["user"]["name"] == "U77"


def test_views_publish_and_conversations_open(client: WebClient, slack: SlackStandIn) -> None:
    view = {"type": "home", "blocks": BLOCKS}
    assert client.views_publish(user_id="U1", view=view)["view"]["type"] == "home"
    assert slack.home_view("U1") is not None
    assert slack.home_view("U1")["blocks"] == BLOCKS  # type: ignore[index]
    assert slack.home_view("U2") is None
    first = client.conversations_open(users="U1")["channel"]["id"]
    assert first == client.conversations_open(users="U1")["channel"]["id"]
    assert first != client.conversations_open(users="U2")["channel"]["id"]


def test_views_open_records_the_modal(client: WebClient, slack: SlackStandIn) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Why"}, "blocks": BLOCKS}
    opened = client.views_open(trigger_id="T1", view=view)["view"]
    assert opened["id"] and opened["blocks"] == BLOCKS
    assert [v["id"] for v in slack.opened_views()] == [opened["id"]]
    with pytest.raises(SlackApiError) as refused:
        client.api_call("views.open", json={"view": view})  # no trigger_id
    assert refused.value.response["error"] == "invalid_arguments"


def test_latency_delays_every_answer() -> None:
    with SlackStandIn(latency=0.15) as standin:
        client = WebClient(token="xoxb-x", base_url=standin.api_url)
        started = time.monotonic()
        client.auth_test()
        assert time.monotonic() - started >= 0.15


def test_form_encoded_blocks_are_decoded(client: WebClient, slack: SlackStandIn) -> None:
    # api_call with params sends a form body, where Slack takes blocks as a JSON string.
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(BLOCKS)})
    [call] = slack.calls_to("chat.postMessage")
    assert call.params["blocks"] == BLOCKS


@pytest.mark.parametrize("token", ["xoxp-user", "bogus"])
def test_a_token_that_is_not_a_bot_token_is_refused(slack: SlackStandIn, token: str) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token=token, base_url=slack.api_url).auth_test()


def test_a_missing_token_is_refused(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(base_url=slack.api_url).api_call("auth.test")


def test_unknown_method(client: WebClient, slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("chat.scheduleMessage", json={"channel": "C1"})
    assert slack.calls[-1].method == "chat.scheduleMessage"


def test_response_url_posts_are_recorded_in_order(client: WebClient, slack: SlackStandIn) -> None:
    client.auth_test()
    seen: list[RecordedCall] = []
    slack.on_call(seen.append)
    reply = WebhookClient(slack.response_url("cmd-1")).send(
        text="Previewing…", response_type="ephemeral", replace_original=False
    )
    assert reply.status_code == 200
    assert [c.method for c in slack.calls] == ["auth.test", "response_url"]
    call = slack.calls_to("response_url")[0]
    assert call.key == "cmd-1"
    assert call.params["text"] == "Previewing…"
    assert seen == [call]


def test_wait_for_and_listeners(client: WebClient, slack: SlackStandIn) -> None:
    seen: list[RecordedCall] = []
    slack.on_call(seen.append)
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C9", text="late"))
    timer.start()
    call = slack.wait_for(lambda c: c.params.get("channel") == "C9", timeout=5)
    timer.join()
    assert call.params["text"] == "late"
    assert seen == [call]
    with pytest.raises(TimeoutError):
        slack.wait_for(lambda c: False, timeout=0.05)
    with pytest.raises(TimeoutError):
        slack.wait_for(lambda c: c.params.get("channel") == "C9", timeout=0.05, since=1)


def test_malformed_json_and_unknown_paths(slack: SlackStandIn) -> None:
    bad = httpx.post(
        slack.api_url + "chat.postMessage",
        content=b"{nope",
        headers={"content-type": "application/json", "authorization": "Bearer xoxb-1"},
    )
    assert bad.json() == {"ok": False, "error": "invalid_json"}
    assert httpx.get(slack.base_url + "/elsewhere").status_code == 404


def test_stop_releases_the_port_and_is_idempotent() -> None:
    standin = SlackStandIn().start()
    url = standin.api_url
    assert standin.start() is standin
    standin.stop()
    standin.stop()
    with pytest.raises(RuntimeError):
        _ = standin.api_url
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "auth.test", timeout=1)


def test_slash_command_body_is_signed_and_form_encoded() -> None:
    body = slash_command_body(
        text='enos ota-job delete j1 --reason "x y"',
        user_id="U1",
        channel_id="C1",
        response_url="http://127.0.0.1:1/response/k",
    )
    fields = {k: v[0] for k, v in parse_qs(body).items()}
    assert fields["command"] == "/ops"
    assert fields["text"] == 'enos ota-job delete j1 --reason "x y"'
    assert (fields["user_id"], fields["channel_id"], fields["team_id"]) == ("U1", "C1", "T0OPSGATE")
    assert fields["response_url"].endswith("/response/k")
    headers = signed_headers(body, signing_secret=SECRET, content_type=FORM)
    assert headers["content-type"] == FORM
    assert abs(int(headers["x-slack-request-timestamp"]) - time.time()) < 60
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "x", headers)


def test_slash_text_is_sent_html_escaped_as_slack_does_with_mentions_left_as_markup() -> None:
    typed = 'huawei device delete d<1> --reason "R&D <!channel> &amp;" as <@U0BOB> in <#C0OPS|ops>'
    body = slash_command_body(
        text=typed, user_id="U1", channel_id="C1", response_url="http://127.0.0.1:1/response/k"
    )
    fields = {k: v[0] for k, v in parse_qs(body).items()}
    assert fields["text"] == (
        'huawei device delete d&lt;1&gt; --reason "R&amp;D &lt;!channel&gt; &amp;amp;" '
        "as <@U0BOB> in <#C0OPS|ops>"
    )


def test_block_action_body_carries_the_click() -> None:
    body = block_action_body(
        action_id="opsgate_approve",
        value="R-1",
        user_id="U2",
        channel_id="C1",
        message_ts="1767225600.000100",
        response_url="http://127.0.0.1:1/response/a",
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U2"
    assert payload["channel"]["id"] == "C1"
    assert payload["container"]["message_ts"] == "1767225600.000100"
    assert payload["response_url"].endswith("/response/a")
    [action] = payload["actions"]
    assert (action["action_id"], action["value"], action["type"]) == (
        "opsgate_approve",
        "R-1",
        "button",
    )
    headers = signed_headers(
        body, signing_secret=SECRET, timestamp=1_767_225_600, content_type=FORM
    )
    assert headers["x-slack-request-timestamp"] == "1767225600"
    verifier = SignatureVerifier(SECRET, clock=FrozenClock(1_767_225_600 + 60))
    assert verifier.is_valid(body, "1767225600", headers["x-slack-signature"])
    # Bolt refuses requests older than five minutes; so does the verifier we check against.
    stale = SignatureVerifier(SECRET, clock=FrozenClock(1_767_225_600 + 600))
    assert not stale.is_valid(body, "1767225600", headers["x-slack-signature"])


def test_app_home_opened_body_is_an_event_callback() -> None:
    body = app_home_opened_body(user_id="U1")
    data = json.loads(body)
    assert data["type"] == "event_callback"
    assert data["event"]["type"] == "app_home_opened"
    assert data["event"]["user"] == "U1"
    assert data["event"]["tab"] == "home"
    headers = signed_headers(body, signing_secret=SECRET, content_type=JSON)
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_concurrent_posts_are_all_recorded_with_unique_ts(slack: SlackStandIn) -> None:
    def post(n: int) -> None:
        client = WebClient(token="xoxb-t", base_url=slack.api_url)
        for i in range(5):
            client.chat_postMessage(channel="C1", text=f"{n}-{i}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = slack.calls_to("chat.postMessage")
    assert sorted(c.params["text"] for c in calls) == sorted(
        f"{n}-{i}" for n in range(4) for i in range(5)
    )


@pytest.mark.parametrize(
    ("method", "params", "error"),
    [
        ("chat.postEphemeral", {"user": "U1", "text": "x"}, "channel_not_found"),
        ("chat.postEphemeral", {"channel": "C1", "text": "x"}, "user_not_in_channel"),
        ("views.publish", {"view": {"type": "home", "blocks": []}}, "invalid_arguments"),
        ("views.publish", {"user_id": "U1", "view": "not json"}, "invalid_arguments"),
        ("conversations.open", {}, "users_list_not_supplied"),
        ("users.info", {}, "user_not_found"),
    ],
)
def test_bad_arguments_get_slack_errors(
    client: WebClient, method: str, params: dict[str, object], error: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call(method, json=params)
    assert caught.value.response["error"] == error


def test_form_field_that_is_not_json_is_kept_as_text(
    client: WebClient, slack: SlackStandIn
) -> None:
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": "[oops"})
    assert slack.calls_to("chat.postMessage")[0].params["blocks"] == "[oops"


def test_a_view_submission_carries_the_view_and_what_was_typed() -> None:
    view = {"id": "V1", "type": "modal", "callback_id": "cb", "private_metadata": "{}"}
    body = view_submission_body(user_id="U1", view=view, values={"b": {"a": "typed"}})
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "view_submission" and payload["user"]["id"] == "U1"
    assert payload["view"]["callback_id"] == "cb" and payload["view"]["private_metadata"] == "{}"
    assert payload["view"]["state"]["values"]["b"]["a"]["value"] == "typed"


def test_each_slash_command_body_has_its_own_trigger_id_unless_given() -> None:
    def trigger(**given: str) -> str:
        body = slash_command_body(
            text="help", user_id="U1", channel_id="C1", response_url="http://127.0.0.1:1/r", **given
        )
        return parse_qs(body)["trigger_id"][0]

    assert trigger() != trigger()  # opsgate processes each trigger id once, as Slack issues them
    assert trigger(trigger_id="1.2.abc") == "1.2.abc"


def test_modals_open_and_update_like_slack(client: WebClient, slack: SlackStandIn) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_open(trigger_id="", view=view)
    opened = client.views_open(trigger_id="1.2.3", view=view)["view"]
    updated = client.views_update(view_id=opened["id"], view={**view, "blocks": BLOCKS})["view"]
    assert updated["id"] == opened["id"] and updated["hash"]
    assert slack.opened_views() == [updated]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash="stale", view=view)
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="V0NOPE", view=view)


def test_usergroups_list_names_each_group_by_handle() -> None:
    with SlackStandIn(groups={"S1": ["U1"], "S2": []}, group_handles={"S1": "ops-leads"}) as slack:
        groups = WebClient(token="xoxb-t", base_url=slack.api_url).usergroups_list()["usergroups"]
    assert [(g["id"], g["handle"], g["user_count"]) for g in groups] == [
        ("S1", "ops-leads", 1),
        ("S2", "s2", 0),
    ]


def test_function_completions_are_recorded(client: WebClient, slack: SlackStandIn) -> None:
    client.functions_completeSuccess(function_execution_id="Fx1", outputs={"state": "succeeded"})
    client.functions_completeError(function_execution_id="Fx2", error="rejected")
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.api_call("functions.completeError", params={"function_execution_id": "Fx3"})
    (success,) = slack.calls_to("functions.completeSuccess")
    assert success.params["outputs"] == {"state": "succeeded"}  # decoded from its JSON string
    assert slack.calls_to("functions.completeError")[0].params["error"] == "rejected"
