"""The request modal (SPEC §10) through signed Slack payloads: opened by `/ops` alone and the
shortcut, redrawn when the operation changes, submitted exactly like the slash command, with
each error under its field, and target lists uploaded as files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from json_log import json_lines
from surfaces_world import (
    ALICE,
    DAVE,
    POLICY,
    choose,
    input_ids,
    latest_view,
    open_form,
    session_with,
    submit,
)

from bot.cards.form import FILE_BLOCK, OPERATION_BLOCK, REASON_BLOCK, TARGETS_BLOCK
from bot.console.session import CHANNEL, ConsoleSession
from bot.console.standin.server import FILE_DOWNLOAD_METHOD
from bot.console.standin.views import state_values
from bot.model import RequestState

DEVICE = "huawei.device.delete"
ALIYUN = "aliyun.ota-task.cancel"
ALIYUN_FIELDS = {
    f"param:{ALIYUN}:--product": "a1OpsThermo",
    f"param:{ALIYUN}:--firmware": "fw-thermo-2.1.0",
    REASON_BLOCK: "bad firmware",
}


@pytest.fixture
def session(tmp_path: Path) -> Any:
    with session_with(tmp_path) as opened:
        yield opened


def options(view: dict[str, Any]) -> list[str]:
    select = next(b for b in view["blocks"] if b.get("block_id") == OPERATION_BLOCK)
    return [o["value"] for o in select["element"]["options"]]


def test_ops_alone_opens_the_form_listing_only_what_the_user_may_request(
    session: ConsoleSession,
) -> None:
    alice = open_form(session, user=ALICE)
    assert alice["callback_id"] == "opsgate_request_form"
    assert DEVICE in options(alice)
    assert input_ids(alice) == [OPERATION_BLOCK, "channel"]
    channel = next(b for b in alice["blocks"] if b.get("block_id") == "channel")
    assert channel["element"]["initial_conversation"] == CHANNEL  # where /ops was typed
    dave = open_form(session, user=DAVE)
    assert DEVICE not in options(dave)  # the policy names only alice and bob
    assert len(options(dave)) == len(options(alice)) - 1


def test_the_global_shortcut_opens_the_form(session: ConsoleSession) -> None:
    before = len(session.standin.calls)
    assert session.shortcut(user=ALICE).status == 200
    call = session.standin.wait_for(lambda c: c.method == "views.open", since=before, timeout=10)
    assert call.params["trigger_id"]
    view = latest_view(session)
    assert view["title"]["text"] == "Request an operation"
    channel = next(b for b in view["blocks"] if b.get("block_id") == "channel")
    assert "initial_conversation" not in channel["element"]  # a shortcut has no channel


def test_a_shortcut_whose_form_slack_will_not_open_is_said_in_a_direct_message(
    session: ConsoleSession,
) -> None:
    """A global shortcut (or App Home's button) has no channel and no response_url: when Slack
    would not open the form (its trigger expired), nothing at all happened for the user."""
    from urllib.parse import parse_qsl, urlencode

    from bot.console.standin.payloads import FORM
    from bot.console.standin.surfaces import shortcut_body

    payload = json.loads(
        dict(parse_qsl(shortcut_body(callback_id="opsgate_request_shortcut", user_id=ALICE)))[
            "payload"
        ]
    )
    payload["trigger_id"] = ""  # expired: views.open refuses it
    before = len(session.standin.calls)
    assert session._dispatch(urlencode({"payload": json.dumps(payload)}), FORM).status == 200
    session.wait()
    told = session.standin.wait_for(
        lambda c: c.method == "chat.postMessage", since=before, timeout=10
    )
    assert told.params["channel"] == ALICE
    assert "would not open the request form" in told.params["text"]
    assert session.standin.opened_views() == []


def test_choosing_an_operation_shows_its_parameters_by_kind(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), DEVICE)
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert input_ids(view) == [
        OPERATION_BLOCK,
        "channel",
        TARGETS_BLOCK,  # one device: no file input
        f"param:{DEVICE}:--app",
        f"param:{DEVICE}:--no-cascade",
        REASON_BLOCK,
        "options",
    ]
    assert blocks[f"param:{DEVICE}:--app"]["element"]["type"] == "plain_text_input"
    assert blocks[f"param:{DEVICE}:--no-cascade"]["element"]["type"] == "checkboxes"
    ticks = [o["value"] for o in blocks["options"]["element"]["options"]]
    assert ticks == ["--dry-run", "--force"]
    number = choose(session, view, "servicepower.job.cancel")
    reason_id = next(b for b in number["blocks"] if b.get("block_id", "").endswith("--reason-id"))
    assert reason_id["element"]["type"] == "number_input"
    assert reason_id["element"]["is_decimal_allowed"] is False
    bulk = choose(session, number, ALIYUN)
    assert FILE_BLOCK in input_ids(bulk)  # up to 10,000 devices: a file may carry them
    file_input = next(b for b in bulk["blocks"] if b.get("block_id") == FILE_BLOCK)
    assert file_input["element"]["filetypes"] == ["txt", "csv"]


def test_a_redraw_keeps_what_was_typed(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), DEVICE)
    view = session_redraw(session, view, {TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "old"})
    targets = next(b for b in view["blocks"] if b.get("block_id") == TARGETS_BLOCK)
    reason = next(b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK)
    assert targets["element"]["initial_value"] == "gw-0001"
    assert reason["element"]["initial_value"] == "old"


def session_redraw(
    session: ConsoleSession, view: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Any]:
    """Change the operation to the package deletion with these fields typed."""
    before = len(session.standin.calls)
    select = next(b for b in view["blocks"] if b.get("block_id") == OPERATION_BLOCK)
    option = next(o for o in select["element"]["options"] if o["value"] == "huawei.package.delete")
    state = state_values(view, {**answers, OPERATION_BLOCK: option["value"]})
    action = {"type": "static_select", "action_id": "opsgate_form_operation"}
    session.view_action(view, {**action, "selected_option": option}, state, user=ALICE)
    session.standin.wait_for(lambda c: c.method == "views.update", since=before, timeout=10)
    return latest_view(session, view["id"])


def test_submitting_is_exactly_the_slash_command(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), DEVICE)
    answers = {
        TARGETS_BLOCK: "gw-0001",
        f"param:{DEVICE}:--no-cascade": ["--no-cascade"],
        REASON_BLOCK: "decommissioned, INC-42",
    }
    assert submit(session, view, answers) == {}
    session.slash(  # another device the sandbox holds: one open request per target
        'huawei device delete dev-meter-0001 --no-cascade --reason "decommissioned, INC-42"',
        user=ALICE,
    )
    session.wait()
    by_target = {r.targets: r for r in session.app.store.history(limit=2)}
    form, typed = by_target[("gw-0001",)], by_target[("dev-meter-0001",)]
    same = ("operation", "params", "reason", "requester", "channel", "state", "approvals_needed")
    assert {k: getattr(form, k) for k in same} == {k: getattr(typed, k) for k in same}
    assert form.state is RequestState.PENDING and form.message_ts  # its card is up
    assert form.params == {"cascade": False}


def test_a_submission_is_answered_through_the_channel_selects_response_url(
    session: ConsoleSession,
) -> None:
    """Like the slash command's, a submission's answers come through a response_url (the channel
    select's, ``response_url_enabled``), so the one who submitted hears why when the bot is
    not in the channel chosen: answered privately in that channel instead, they heard nothing,
    and the form had closed."""
    view = choose(session, open_form(session), DEVICE)
    [channel] = [b for b in view["blocks"] if b.get("block_id") == "channel"]
    assert channel["element"]["response_url_enabled"] is True
    session.standin.bot_not_in("C0NOBOT")
    before = len(session.standin.calls)
    answers = {TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "x", "channel": "C0NOBOT"}
    assert submit(session, view, answers) == {}
    calls = session.standin.calls[before:]
    [told] = [c for c in calls if c.method == "response_url"]
    assert "/invite @opsgate" in str(told.params) and told.params["response_type"] == "ephemeral"
    assert not [c for c in calls if c.method == "chat.postEphemeral"]
    (record,) = session.app.store.history(limit=1)
    assert record.state is RequestState.DENIED and record.channel == "C0NOBOT"
    denied = list(session.app.store.events(request_id=record.id))[-1]
    assert denied.detail["slack_error"] == "not_in_channel"


def test_a_submissions_lines_name_its_operation_and_actor_from_the_preview_on(
    session: ConsoleSession,
) -> None:
    view = choose(session, open_form(session), DEVICE)
    answers = {TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "decommissioned, INC-42"}
    with json_lines() as lines:
        assert submit(session, view, answers) == {}
    [preview] = [line for line in lines() if line["message"].startswith("huawei preview")]
    assert (preview.get("operation"), preview.get("actor")) == (DEVICE, ALICE)


def test_each_error_is_shown_under_its_field(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), ALIYUN)
    errors = submit(session, view, {TARGETS_BLOCK: "thermo-001 ../etc", **ALIYUN_FIELDS})
    assert list(errors) == [TARGETS_BLOCK]
    assert "deviceName" in errors[TARGETS_BLOCK] and "'/'" in errors[TARGETS_BLOCK]
    errors = submit(session, view, {TARGETS_BLOCK: "thermo-001"})
    assert list(errors) == [f"param:{ALIYUN}:--product", f"param:{ALIYUN}:--firmware", REASON_BLOCK]
    # Said in the form's words: the field's label names it, and no command is typed here.
    assert errors[f"param:{ALIYUN}:--product"] == "Required."
    bad_flag = {**ALIYUN_FIELDS, f"param:{ALIYUN}:--firmware": "fw 2"}
    errors = submit(session, view, {TARGETS_BLOCK: "thermo-001", **bad_flag})
    assert list(errors) == [f"param:{ALIYUN}:--firmware"]
    errors = submit(session, view, {TARGETS_BLOCK: "thermo-{1..10001}", **ALIYUN_FIELDS})
    assert errors[TARGETS_BLOCK] == "It takes at most 10,000 deviceName values; 10,001 were given."
    errors = submit(session, view, {TARGETS_BLOCK: "", **ALIYUN_FIELDS})
    assert errors[TARGETS_BLOCK] == "Give at least one deviceName."
    errors = submit(session, view, {TARGETS_BLOCK: "thermo!", **ALIYUN_FIELDS})
    assert "Use letters, digits and ._:@- (4-32 characters)." in errors[TARGETS_BLOCK]
    assert "`" not in errors[TARGETS_BLOCK]  # plain text under a field shows backticks as typed
    bad_reason = {TARGETS_BLOCK: "thermo-001", **ALIYUN_FIELDS, REASON_BLOCK: "why\x00"}
    assert list(submit(session, view, bad_reason)) == [REASON_BLOCK]
    assert session.app.store.history(limit=5) == []  # nothing was requested


def test_more_targets_than_the_policy_allows_are_said_under_the_targets(tmp_path: Path) -> None:
    """The form's hint says "Up to 20": a 21st target is said there, the form left open, not
    refused in the channel once it has closed."""
    limited = f'{POLICY}\n[policy.operations."{ALIYUN}"]\nmax_targets = 20\n'
    with session_with(tmp_path, limited) as session:
        view = choose(session, open_form(session), ALIYUN)
        errors = submit(session, view, {TARGETS_BLOCK: "thermo-{001..021}", **ALIYUN_FIELDS})
        assert errors == {
            TARGETS_BLOCK: "The policy allows at most 20 targets per request and these are 21: "
            "split them into requests of at most 20."
        }
        assert session.app.store.history(limit=5) == []
        assert submit(session, view, {TARGETS_BLOCK: "thermo-{001..020}", **ALIYUN_FIELDS}) == {}


def test_a_limit_of_one_target_is_said_in_the_singular(tmp_path: Path) -> None:
    """As the policy's own refusal says it: "1 target", and how small the requests must be."""
    limited = f'{POLICY}\n[policy.operations."{ALIYUN}"]\nmax_targets = 1\n'
    with session_with(tmp_path, limited) as session:
        view = choose(session, open_form(session), ALIYUN)
        errors = submit(session, view, {TARGETS_BLOCK: "thermo-001 thermo-002", **ALIYUN_FIELDS})
        assert errors == {
            TARGETS_BLOCK: "The policy allows at most 1 target per request and these are 2: "
            "split them into requests of at most 1."
        }


def test_a_channel_the_policy_does_not_allow_is_said_under_the_channel(tmp_path: Path) -> None:
    """The channel is a field of the form: an operation the policy allows only elsewhere is
    said there, the form left open, not refused in the channel once the form has closed."""
    elsewhere = f'{POLICY}channels = ["C0INCIDENT", "C0OPSLEADS"]\n'
    with session_with(tmp_path, elsewhere) as session:
        view = choose(session, open_form(session), DEVICE)
        answers = {TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "x"}
        errors = submit(session, view, {**answers, "channel": CHANNEL})
        assert errors == {
            "channel": "huawei.device.delete cannot be requested in this channel; use channel "
            "C0INCIDENT, channel C0OPSLEADS."
        }
        assert session.app.store.history(limit=5) == []
        assert submit(session, view, {**answers, "channel": "C0INCIDENT"}) == {}
        (record,) = session.app.store.history(limit=5)
        assert record.channel == "C0INCIDENT"


def test_an_operation_turned_off_by_an_empty_channel_list_is_not_offered(tmp_path: Path) -> None:
    """`channels = []` turns an operation off (the slash command refuses it in every channel):
    the form does not offer it, and says so when nothing is left."""
    with session_with(tmp_path, f"{POLICY}channels = []\n") as session:
        view = open_form(session)
        assert DEVICE not in options(view) and ALIYUN in options(view)
    everything_off = f"[policy]\nchannels = []\n\n{POLICY.removeprefix('[policy]')}"
    with session_with(tmp_path, everything_off.replace("\n\n\n", "\n")) as session:
        view = open_form(session)
        assert OPERATION_BLOCK not in input_ids(view)
        assert "You may not request any operation" in json.dumps(view)


def test_the_reasons_hint_says_what_the_policy_asks(tmp_path: Path) -> None:
    relaxed = f'{POLICY}\n[policy.operations."{ALIYUN}"]\nrequire_reason = false\n'
    with session_with(tmp_path, relaxed) as session:
        hints = {}
        for operation in (ALIYUN, DEVICE):
            view = choose(session, open_form(session), operation)
            [reason] = [b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK]
            hints[operation] = reason["hint"]["text"]
    assert hints == {
        ALIYUN: "Optional for this operation: the policy needs none.",
        DEVICE: "The policy needs one for this operation; a dry run needs none.",
    }


def test_every_field_in_error_is_shown_at_once(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), ALIYUN)
    answers = {
        "channel": None,
        TARGETS_BLOCK: "thermo-001 ../etc",
        f"param:{ALIYUN}:--product": "a1/Ops",
        REASON_BLOCK: "why\x00",
    }
    errors = submit(session, view, answers)
    assert list(errors) == [
        "channel",
        TARGETS_BLOCK,
        f"param:{ALIYUN}:--product",
        REASON_BLOCK,
        f"param:{ALIYUN}:--firmware",
    ]
    assert errors[TARGETS_BLOCK].startswith("Bad deviceName '../etc'")
    assert errors[f"param:{ALIYUN}:--product"].startswith("Bad --product 'a1/Ops'")
    assert "U+0000" in errors[REASON_BLOCK]
    assert errors[f"param:{ALIYUN}:--firmware"] == "Required."
    assert session.app.store.history(limit=5) == []


def test_a_missing_reason_is_said_under_the_reason_field(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), DEVICE)
    errors = submit(session, view, {TARGETS_BLOCK: "../etc"})
    assert list(errors) == [TARGETS_BLOCK, REASON_BLOCK]
    assert errors[REASON_BLOCK] == (
        "Say why: the policy needs a reason for this operation (a dry run needs none)."
    )
    assert session.app.store.history(limit=5) == []  # refused in the form: no request
    dry_run = {TARGETS_BLOCK: "gw-0001", "options": ["--dry-run"]}
    assert submit(session, view, dry_run) == {}


def test_the_operation_and_channel_are_required(session: ConsoleSession) -> None:
    view = open_form(session)
    assert submit(session, view, {}) == {OPERATION_BLOCK: "Choose an operation."}
    view = choose(session, view, DEVICE)
    errors = submit(session, view, {"channel": None, TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "x"})
    assert errors == {"channel": "Choose the channel for the approval card."}
    # Slack's conversation select gives a channel id; anything else is no channel.
    answers = {"channel": "#ops", TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "x"}
    assert submit(session, view, answers) == {
        "channel": "Choose the channel for the approval card."
    }
    assert session.app.store.history(limit=5) == []


def test_submitted_before_its_redraw_the_form_comes_back_with_the_operations_fields(
    session: ConsoleSession,
) -> None:
    # An operation chosen and Request pressed before Slack showed its fields (or the redraw
    # failed): errors would name fields the view lacks, which Slack cannot show.
    view = open_form(session)
    state = state_values(view, {OPERATION_BLOCK: ALIYUN})
    reply = session.submit(view, state, user=ALICE)
    session.wait()
    message = reply.message or {}
    assert message.get("response_action") == "update"
    shown = input_ids(message["view"])
    assert TARGETS_BLOCK in shown and REASON_BLOCK in shown
    assert any(block.startswith("param:aliyun.ota-task.cancel:") for block in shown)
    assert session.app.store.history(limit=5) == []


def test_ranges_typed_in_the_form_expand(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), ALIYUN)
    answers = {TARGETS_BLOCK: "thermo-{001..003}, thermo-051", **ALIYUN_FIELDS}
    assert submit(session, view, answers) == {}
    (record,) = session.app.store.history(limit=1)
    assert record.targets == ("thermo-001", "thermo-002", "thermo-003", "thermo-051")


def test_a_replayed_submission_creates_nothing(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), DEVICE)
    state = state_values(view, {TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "x"})
    from bot.console.standin.surfaces import submission_body

    body = submission_body(user_id=ALICE, view=view, state=state, trigger_id="1.2.replayed")
    for _ in range(2):
        assert session._dispatch(body, "application/x-www-form-urlencoded").status == 200
        session.wait()
    assert len(session.app.store.history(limit=5)) == 1


def test_dry_run_ticked_in_the_form_changes_nothing(session: ConsoleSession) -> None:
    view = choose(session, open_form(session), DEVICE)
    before = len(session.standin.calls)
    answers = {TARGETS_BLOCK: "gw-0001", REASON_BLOCK: "x", "options": ["--dry-run"]}
    assert submit(session, view, answers) == {}
    shown = [c for c in session.standin.calls[before:] if c.method == "response_url"]
    assert any("Dry run" in str(c.params.get("text")) for c in shown)
    assert session.app.store.history(limit=5) == []


# -- target files ----------------------------------------------------------------------------


def upload(session: ConsoleSession, tmp_path: Path, name: str, text: str) -> dict[str, Any]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return session.upload(path)


def test_a_file_of_targets_is_read_with_the_bot_token(
    session: ConsoleSession, tmp_path: Path
) -> None:
    file = upload(session, tmp_path, "devices.txt", "thermo-001\n\nthermo-002\r\nthermo-051\n")
    view = choose(session, open_form(session), ALIYUN)
    answers = {FILE_BLOCK: [file], **ALIYUN_FIELDS}
    assert submit(session, view, answers) == {}
    (record,) = session.app.store.history(limit=1)
    assert record.targets == ("thermo-001", "thermo-002", "thermo-051")
    (download,) = session.standin.calls_to(FILE_DOWNLOAD_METHOD)
    assert download.params["status"] == 200


@pytest.mark.parametrize("header", ["device", "Device Name", "device_name", "Device #"])
def test_a_csv_header_not_spelled_as_the_targets_name_is_not_taken_as_a_target(
    session: ConsoleSession, tmp_path: Path, header: str
) -> None:
    """A spreadsheet's header row names the column its own way (for deviceName): it is a
    header, not a device called `device`."""
    file = upload(session, tmp_path, "devices.csv", f"{header}\nthermo-001\nthermo-002\n")
    view = choose(session, open_form(session), ALIYUN)
    assert submit(session, view, {FILE_BLOCK: [file], **ALIYUN_FIELDS}) == {}
    (record,) = session.app.store.history(limit=1)
    assert record.targets == ("thermo-001", "thermo-002")


def test_ten_thousand_targets_fit_a_file_and_one_more_is_refused_under_it(
    session: ConsoleSession, tmp_path: Path
) -> None:
    names = "\n".join(f"thermo-{i:05d}" for i in range(1, 10_001))
    file = upload(session, tmp_path, "all.csv", f"deviceName\n{names}\n")  # a header line
    view = choose(session, open_form(session), ALIYUN)
    answers = {FILE_BLOCK: [file], **ALIYUN_FIELDS}
    assert submit(session, view, answers) == {}
    (record,) = session.app.store.history(limit=1)
    assert len(record.targets) == 10_000 and record.targets[0] == "thermo-00001"
    more = upload(session, tmp_path, "more.txt", names + "\nthermo-10001\n")
    errors = submit(session, view, {**answers, FILE_BLOCK: [more]})
    assert list(errors) == [FILE_BLOCK] and "at most 10,000" in errors[FILE_BLOCK]


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("two.csv", "thermo-001,thermo-002\n", "Line 1 has 2 values"),
        ("bad.txt", "thermo-001\nthermo 002\n", "Bad deviceName 'thermo 002'"),
        ("list.pdf", "thermo-001\n", "not a .txt or .csv file"),
    ],
)
def test_a_bad_file_is_explained_under_the_file_input(
    session: ConsoleSession, tmp_path: Path, name: str, text: str, says: str
) -> None:
    file = upload(session, tmp_path, name, text)
    view = choose(session, open_form(session), ALIYUN)
    errors = submit(session, view, {FILE_BLOCK: [file], **ALIYUN_FIELDS})
    assert list(errors) == [FILE_BLOCK] and says in errors[FILE_BLOCK]


def test_when_slack_will_not_open_the_form_the_typist_is_told(session: ConsoleSession) -> None:
    from urllib.parse import parse_qsl, urlencode

    from bot.console.standin.payloads import FORM, slash_command_body

    body = slash_command_body(
        text="", user_id=ALICE, channel_id=CHANNEL, response_url=session.standin.response_url("x")
    )
    fields = dict(parse_qsl(body))
    fields["trigger_id"] = ""  # an expired trigger: views.open refuses it
    assert session._dispatch(urlencode(fields), FORM).status == 200
    told = session.standin.wait_for(lambda c: c.method == "response_url", timeout=10)
    assert "would not open the request form" in str(told.params.get("text"))
    assert session.standin.opened_views() == []
