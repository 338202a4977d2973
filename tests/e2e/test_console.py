"""`opsgate console` driven by a piped script, as a newcomer's demo would be."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from lease_owners import owner_of_a_process

from adapters.clock import FakeClock
from bot.console import run_console
from bot.console.session import ConsoleSession
from bot.console.transcript import is_direct_message
from bot.lifecycle.replies import Replies
from bot.model import AuditEventName, RequestRecord
from bot.policy import OperationPolicy
from bot.settings import load_settings
from bot.store import ApprovalStatus, Store
from commands.model import OperationRequest

SCRIPT = """\
# a scripted demo
/ops huawei package delete pkg-meter-fw-1.2.0 --reason "superseded by 1.3"
approve
as @bob approve
audit
verify
"""


def run(script: str, tmp_path: Path) -> str:
    (tmp_path / "opsgate.toml").write_text("")
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    out = io.StringIO()
    code = run_console(settings, stdin=io.StringIO(script), stdout=out, db=tmp_path / "console.db")
    assert code == 0
    return out.getvalue()


def test_scripted_request_approval_and_audit(tmp_path: Path) -> None:
    output = run(SCRIPT, tmp_path)
    request_id = re.search(r"R-[0-9A-Z]{8}", output).group(0)  # type: ignore[union-attr]
    assert "alice> /ops huawei package delete" in output  # the script's lines are shown
    assert "Approval needed" in output and "SANDBOX" in output
    assert "[Approve] [Reject] [Withdraw]" in output
    assert "so you cannot approve it" in output  # alice may not approve her own request
    assert "Succeeded" in output
    trail = [
        line.split()[2]
        for line in output.splitlines()
        if line.startswith("#") and request_id in line
    ]
    assert trail == ["requested", "denied", "approved", "executing", "succeeded"]
    # The first event names the target; later ones refer to it.
    lines = [line for line in output.splitlines() if line.startswith("#") and request_id in line]
    assert lines[0].endswith("pkg-meter-fw-1.2.0")
    assert all(line.endswith("(see #1)") for line in lines[1:])
    assert "audit log intact: 5 events" in output
    # the card is printed whole once; its updates show only what changed
    assert output.count("Requested by: @alice") == 1
    assert f"── card {request_id} updated ──\n✔ Succeeded: huawei.package.delete" in output


def test_home_shows_the_app_home_tab(tmp_path: Path) -> None:
    output = run("/ops servicepower job cancel JOB-1001 --reason x\nhome\n", tmp_path)
    home = output[output.index("App Home of @alice") :]
    assert "JOB-1001" in home or "servicepower" in home


def test_an_unknown_console_command_is_one_line_with_the_closest_command(tmp_path: Path) -> None:
    output = run("aprove\nops help\nfrobnicate\nhelp\n", tmp_path)
    said = [line for line in output.splitlines() if line.startswith("unknown command")]
    assert said == [
        "unknown command aprove (did you mean approve?); type help for the console's commands",
        "unknown command ops (did you mean /ops?); type help for the console's commands",
        "unknown command frobnicate; type help for the console's commands",
    ]
    assert output.count("approve|reject|withdraw [<id>]") == 1  # help, asked for


def test_an_unknown_command_in_capitals_or_very_long_is_still_one_short_line(
    tmp_path: Path,
) -> None:
    output = run(f"APPROVE\nAS @bob approve\n{'x' * 3000}\n", tmp_path)
    said = [line for line in output.splitlines() if line.startswith("unknown command")]
    assert said == [
        "unknown command APPROVE (did you mean approve?); type help for the console's commands",
        "unknown command AS (did you mean as?); type help for the console's commands",
        f"unknown command {'x' * 40}…; type help for the console's commands",
    ]


def test_usage_errors_are_shown_to_the_typist(tmp_path: Path) -> None:
    output = run("/ops huawei device delete ../etc --reason x\n", tmp_path)
    assert "deviceId" in output
    assert "Approval needed" not in output


def test_console_command_reads_piped_stdin(tmp_path: Path) -> None:
    """The installed `opsgate console` reads a script from standard input."""
    (tmp_path / "opsgate.toml").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input="/ops help\nquit\n",
        text=True,
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
        env={"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "huawei device delete" in result.stdout
    assert (tmp_path / "opsgate-console.db").exists()


def test_audit_counts_the_targets_it_does_not_name(tmp_path: Path) -> None:
    devices = " ".join(f"thermo-{n:03d}" for n in range(1, 7))
    script = (
        f"/ops aliyun ota-task cancel {devices} --product a1OpsThermo"
        " --firmware fw-thermo-2.1.0 --reason bad rollout\naudit\n"
    )
    output = run(script, tmp_path)
    requested = next(line for line in output.splitlines() if line.startswith("#1 "))
    assert requested.endswith("thermo-001, thermo-002, thermo-003 +3 more")


def test_reject_with_a_reason_goes_through_the_dialog(tmp_path: Path) -> None:
    script = (
        "/ops huawei package delete pkg-meter-fw-1.2.0 --reason old\n"
        "as @bob reject still on 40 meters, INC-7\n"
        "/ops huawei package delete pkg-meter-fw-1.1.0 --reason old\n"
        "as @carol reject\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    assert "── dialog: Reject request ──" in output
    assert "Rejected by @bob: still on 40 meters, INC-7" in output
    assert "── direct message to @alice ──\nRejected: your request" in output
    assert "Rejected by @carol" in output
    assert [line.split()[2] for line in output.splitlines() if line.startswith("#")] == [
        "requested",
        "rejected",
        "requested",
        "rejected",
    ]


def test_a_reject_reason_the_dialog_refuses_is_said_and_decides_nothing(tmp_path: Path) -> None:
    script = (
        "/ops huawei package delete pkg-meter-fw-1.2.0 --reason old\n"
        "as @bob reject fine \u202eDEVORPPA\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    said = output.index("the Reject dialog says: The reason contains the control character U+202E")
    assert output.index("── dialog: Reject request ──") < said  # under the dialog it opened
    assert [line.split()[2] for line in output.splitlines() if line.startswith("#")] == [
        "requested"
    ]


def test_a_reject_reason_longer_than_the_dialog_takes_is_refused_not_cut(tmp_path: Path) -> None:
    """Slack's Reject dialog holds 500 characters: a longer reason is never cut short unseen."""
    script = (
        "/ops huawei package delete pkg-meter-fw-1.2.0 --reason old\n"
        f"as @bob reject {'y' * 600}\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    assert (
        "the Reject dialog takes a reason of at most 500 characters, and this one has 600: "
        "shorten it. Nothing was decided."
    ) in output
    assert [line.split()[2] for line in output.splitlines() if line.startswith("#")] == [
        "requested"
    ]


def test_reject_names_the_request_in_any_case_and_never_another(tmp_path: Path) -> None:
    first = run("/ops huawei package delete pkg-meter-fw-1.2.0 --reason old\n", tmp_path)
    older = re.search(r"R-[0-9A-Z]{8}", first).group(0)  # type: ignore[union-attr]
    script = (
        "/ops huawei device delete dev-meter-0001 --reason newer\n"
        "as @bob reject r-zzzz typo\n"
        f"as @bob reject {older.lower()} not this one\n"
        "audit\n"
    )
    output = run(script, tmp_path)
    assert "Bad request-id 'r-zzzz': request ids look like R-7K3F9QW2. Nothing was" in output
    decided = [line.split() for line in output.splitlines() if line.startswith("#")]
    assert [(words[2], words[4]) for words in decided if words[2] == "rejected"] == [
        ("rejected", older)
    ]
    assert "Rejected by @bob: not this one" in output


def test_channels_show_by_name(tmp_path: Path) -> None:
    script = (
        "/ops servicepower job cancel JOB-1001 --reason x\n"
        "/ops servicepower job cancel JOB-1001 --reason again\n"
    )
    output = run(script, tmp_path)
    assert "(waiting for approval) in #ops" in output


def test_the_banner_names_each_sandboxed_plugins_targets(tmp_path: Path) -> None:
    output = run("quit\n", tmp_path)
    banner = output[output.index("Sandbox targets:") :]
    assert "  huawei (Huawei OceanConnect): devices dev-meter-0001, gw-0001" in banner
    assert "  enos (Envision EnOS): OTA jobs otajob-7d2c1e (stopped)" in banner
    headings = [
        line.split()[0] for line in banner.splitlines() if line.startswith("  ") and line[2] != " "
    ]
    assert headings == [
        "aliyun",
        "enos",
        "huawei",
        "servicepower",
    ]


def test_a_card_from_an_earlier_session_is_redrawn_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database outlives a console session; Slack's messages do too."""
    first = run("/ops huawei package delete pkg-meter-fw-1.2.0 --reason old\n", tmp_path)
    request_id = re.search(r"R-[0-9A-Z]{8}", first).group(0)  # type: ignore[union-attr]
    script = (
        f"as @bob approve {request_id}\n"
        "/ops huawei device delete dev-meter-0001 --reason newer\n"
        "as @bob approve\n"
    )
    with caplog.at_level(logging.WARNING):
        output = run(script, tmp_path)
    approve = output[: output.index("alice> /ops huawei device delete")]
    # Shown whole, as the update draws it (executing, or already succeeded): this session
    # never showed it.
    assert re.search(
        rf"── card {request_id} updated ──\n(⏳ Executing|✔ Succeeded): huawei.package", approve
    )
    assert "Requested by: @alice" in approve
    assert output.count("Succeeded: Deleted") == 4  # each card and each DM: both ran
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_transcript_reads_the_same_whichever_reaches_slack_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack's pools send a card's last update and the requester's message at once; here the
    message is made to arrive first, and the transcript still shows the card first."""

    def message_first(self: Replies, record: RequestRecord) -> None:
        if record.state.terminal:
            self.notify_requester(record)
        self.refresh_card(record)

    monkeypatch.setattr(Replies, "settled", message_first)
    output = run(SCRIPT, tmp_path)
    after = output[output.index("alice> as @bob approve") :]
    assert after.index("✔ Succeeded: huawei.package.delete") < after.index(
        "── direct message to @alice ──"
    )


def test_a_requester_s_message_sent_before_the_ack_is_shown_still_follows_the_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requester's message reaches Slack before the click's ack is shown, and the card's
    last update only after: the transcript still shows the card first (the app's output waits
    for the line's end, not just for the ack)."""
    card_may_follow = threading.Event()

    def message_first(self: Replies, record: RequestRecord) -> None:
        if record.state.terminal:
            self.notify_requester(record)
            assert card_may_follow.wait(10), "the ack was never shown"
        self.refresh_card(record)

    clicked = ConsoleSession.click

    def click_then_wait_for_the_message(self: ConsoleSession, *args: Any, **kwargs: Any) -> Any:
        reply = clicked(self, *args, **kwargs)
        if args[0] == "approve" and kwargs["user"] != self.app.store.get(args[1]).requester:
            self.standin.wait_for(is_direct_message)
            card_may_follow.set()
        return reply

    monkeypatch.setattr(Replies, "settled", message_first)
    monkeypatch.setattr(ConsoleSession, "click", click_then_wait_for_the_message)
    output = run(SCRIPT, tmp_path)
    after = output[output.index("alice> as @bob approve") :]
    assert after.index("✔ Succeeded: huawei.package.delete") < after.index(
        "── direct message to @alice ──"
    )


def test_console_commands_with_wrong_input_say_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    script = (
        "user @nobody\nuser\nas @bob\nas\nas @zed approve\nas @bob as @carol approve\n"
        "audit R-NOPE0000\n"
    )
    output = run(script, tmp_path)
    answers = output[output.index("alice> user @nobody") :].splitlines()
    assert answers == [
        "alice> user @nobody",
        "no such person @nobody; try @alice, @bob, @carol or @dave",
        "alice> user",
        "name someone to become: user @bob; try @alice, @bob, @carol or @dave",
        "alice> as @bob",
        "name a line to run as @bob: as @bob approve",
        "alice> as",
        "name someone and a line: as @bob approve; try @alice, @bob, @carol or @dave",
        "alice> as @zed approve",
        "no such person @zed; try @alice, @bob, @carol or @dave",
        "alice> as @bob as @carol approve",
        "as runs one line as one person: as @bob approve, not as … as …",
        "alice> audit R-NOPE0000",
        "there is no request R-NOPE0000",
    ]


def test_people_are_named_in_any_case_and_extra_words_are_not_ignored(tmp_path: Path) -> None:
    output = run("as @Bob home\nuser @CAROL\nhome nosuch\nverify extra\n", tmp_path)
    assert "no such person" not in output
    assert "── App Home of @bob ──" in output
    answers = output[output.index("carol> home nosuch") :].splitlines()
    assert answers == [
        "carol> home nosuch",
        "home takes nothing, or approve|reject|review|stop [<id>] (reject [<id>] <why>); "
        "not nosuch",
        "carol> verify extra",
        "verify takes no words; type verify (not extra)",
    ]


def test_audit_of_an_empty_log_says_so(tmp_path: Path) -> None:
    output = run("audit\n", tmp_path)
    assert output.rstrip().endswith("alice> audit\nno audit events yet")


def test_audit_of_one_request_shows_its_whole_trail_and_of_the_log_the_last_20(
    tmp_path: Path,
) -> None:
    """`help`: "the audit trail (of one request, or the last 20 events)": a request's trail is
    never cut to its last 20 events, which would leave out the `requested` event."""
    clicks = "approve\n" * 21  # each refused (alice requested it) and recorded `denied`
    output = run(f"/ops servicepower job cancel JOB-1001 --reason x\n{clicks}audit\n", tmp_path)
    request_id = re.findall(r"Request id: `?(R-[0-9A-Z]{8})", output)[0]
    whole = run(f"audit {request_id}\n", tmp_path)
    trail = [line.split()[2] for line in whole.splitlines() if line.startswith("#")]
    assert trail == ["requested"] + ["denied"] * 21
    last = output[output.rindex("alice> audit") :]
    assert [line.split()[2] for line in last.splitlines() if line.startswith("#")] == (
        ["denied"] * 20
    )


def test_audit_reads_a_repeat_click_that_counted_approvals_again_as_approved_again(
    tmp_path: Path,
) -> None:
    """@bob's approval lapsed (carol's click found him out of the group); his repeat click,
    judged back in, counts it again: the trail says "approved again", as `/ops status` does,
    never a second approval."""
    store = Store.open(tmp_path / "console.db")
    record = store.create_request(
        OperationRequest(
            operation="servicepower.job.cancel",
            vendor="servicepower",
            targets=("JOB-1001",),
            reason="r",
        ),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(approvals=3),
        sandbox=True,
    )
    store.approve(record.id, approver="U0BOB")
    store.approve(record.id, approver="U0CAROL", lapsed=frozenset({"U0BOB"}))
    again = store.approve(record.id, approver="U0BOB", restored=store.lapses(record.id))
    assert again.status is ApprovalStatus.COUNTED_AGAIN
    store.close()
    output = run("audit\n", tmp_path)
    trail = re.findall(r"^#\d+ +\S+  (approved again|\S+) +(@\w+) ", output, re.MULTILINE)
    assert trail == [
        ("requested", "@alice"),
        ("approved", "@bob"),
        ("approved", "@carol"),
        ("approved again", "@bob"),
    ]


def test_two_console_sessions_record_vendor_request_ids_of_their_own(tmp_path: Path) -> None:
    """Each session's sandbox starts afresh, as a new vendor account would not: still, the
    vendor request ids the one audit log keeps are never the same for two calls."""
    for _ in range(2):  # the second session deletes the same sandbox job, there again
        run(
            "/ops enos ota-job delete otajob-7d2c1e --org o15724268424841 --reason old\n"
            "as @bob approve\n",
            tmp_path,
        )
    store = Store.open_existing(tmp_path / "console.db")
    ids = [
        e.detail["vendor_request_ids"]
        for e in store.events()
        if e.event is AuditEventName.SUCCEEDED
    ]
    store.close()
    assert len(ids) == 2 and all(len(each) == 1 for each in ids)
    assert ids[0] != ids[1]


def test_user_switches_who_types(tmp_path: Path) -> None:
    output = run("user @bob\nuser\n", tmp_path)
    assert "bob> user\n" in output


def test_the_banner_names_every_sandbox_id_the_readme_lists(tmp_path: Path) -> None:
    """The README's table of sandbox targets and the banner agree: each id the table lists
    (the Huawei device that exists to be refused, 100217, too) is in the banner."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("Sandbox targets to try:") :].split("\n\n")[1]
    listed = {i for row in table.splitlines()[2:] for i in re.findall(r"`([^`]+)`", row)}
    output = run("quit\n", tmp_path)
    banner = " ".join(output[output.index("Sandbox targets:") :].split())
    assert "stranger-dev-0001" in listed
    assert sorted(i for i in listed if i not in banner) == []
    assert "stranger-dev-0001 (--app stranger-app: Huawei refuses it, 100217)" in banner


def test_a_tab_click_on_an_unknown_request_is_answered_as_a_console_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        output = run("home approve R-NOPE1234\n", tmp_path)
    assert "R-NOPE1234" in output[output.index("alice> home approve") :]
    assert "channel_not_found" not in output + caplog.text  # no call to a channel that is none


def test_a_request_id_typed_without_its_prefix_is_read_as_the_id(tmp_path: Path) -> None:
    script = (
        "/ops servicepower job cancel JOB-1001 --reason x\n"
        "/ops servicepower job cancel JOB-1002 --reason y\n"
    )
    first = run(script + "audit\n", tmp_path)
    older = re.findall(r"Request id: `?(R-[0-9A-Z]{8})", first)[0]  # not the newest pending
    output = run(f"as @bob reject {older[2:].lower()}\naudit\n", tmp_path)
    rejected = [line for line in output.splitlines() if " rejected " in line]
    assert len(rejected) == 1 and older in rejected[0]


def test_a_click_with_words_after_its_id_is_refused_with_its_usage(tmp_path: Path) -> None:
    output = run(
        "/ops servicepower job cancel JOB-1001 --reason x\nas @bob approve R-X now\n", tmp_path
    )
    assert "approve takes at most a request id: approve [R-XXXXXXXX]; not R-X now" in output
    words = run("as @bob approve it\nstop now\nas @bob approve R-NOPE1234\n", tmp_path)
    assert "approve takes at most a request id: approve [R-XXXXXXXX]; not it" in words
    assert "stop takes at most a request id: stop [R-XXXXXXXX]; not now" in words
    assert "There is no request `IT`" not in words and "`NOW`" not in words
    assert "There is no request `R-NOPE1234`" in words  # an id, if not one of a request
    assert " approved " not in output


def test_audit_again_and_tab_clicks_read_an_id_typed_without_its_prefix(tmp_path: Path) -> None:
    """Not only the card's clicks: `audit`, `again` and `home approve` take the id as the card
    shows it without its ``R-``, never answering that a request that exists does not."""
    first = run("/ops servicepower job cancel JOB-1001 --reason x\nas @bob reject\n", tmp_path)
    request_id = re.findall(r"Request id: `?(R-[0-9A-Z]{8})", first)[0]
    bare = request_id[2:].lower()
    output = run(f"audit {bare}\nas @bob home approve {bare}\nagain {bare}\n", tmp_path)
    assert "there is no request" not in output.lower()
    assert f"rejected       @bob     {request_id}" in output  # the audit trail of that request
    assert f"Request `{request_id}` was rejected" in " ".join(output.split())
    assert "── form: Request an operation ──" in output  # Request again opened the form


def test_again_clicks_only_a_card_that_has_request_again(tmp_path: Path) -> None:
    """A withdrawn (or pending, or succeeded) card has no Request again button: `again` says
    so rather than clicking one no card shows; and a word after the id is not ignored."""
    first = run("/ops servicepower job cancel JOB-1001 --reason x\nwithdraw\n", tmp_path)
    request_id = re.findall(r"Request id: `?(R-[0-9A-Z]{8})", first)[0]
    output = run(f"again {request_id}\nagain {request_id} now\nform help me\n", tmp_path)
    answers = output[output.index(f"alice> again {request_id}") :].splitlines()
    assert answers == [
        f"alice> again {request_id}",
        f"{request_id} is withdrawn, and its card has no Request again: only failed, expired, "
        "rejected and stopped cards have one, and an unknown one that lists targets the vendor "
        "refused or never got",
        f"alice> again {request_id} now",
        f"again takes at most a request id: again [<id>]; not {request_id} now",
        "alice> form help me",
        "form takes at most an operation: form [<operation>]; not help me",
    ]


def test_a_script_that_ends_inside_the_form_says_nothing_was_submitted(tmp_path: Path) -> None:
    output = run("form servicepower.job.cancel\n\nJOB-1001\n", tmp_path)
    assert output.rstrip().endswith("── form closed (end of input): nothing was submitted ──")
    assert "Approval needed" not in output


def test_form_takes_the_number_its_operation_prompt_lists(tmp_path: Path) -> None:
    """`form 5` is `form servicepower.job.cancel`, as 5 is at the form's Operation prompt; a
    number off the list is refused with the operations there are."""
    output = run("form 5\n\nJOB-1001\n\nfrom the list\n\n\nform 9\n", tmp_path)
    assert "1 target: `JOB-1001`" in output and "Approval needed: servicepower.job.cancel" in output
    assert "9 is not in the list, which runs from 1 to 5; you may request: aliyun.ota-task" in (
        output
    )


def test_a_click_on_a_malformed_request_id_says_so_as_status_does(tmp_path: Path) -> None:
    """`review R-` (an id cut short) is not "There is no request `R-`", which reads as if the
    request were gone: the console says what `/ops status R-` says, and clicks nothing."""
    output = run(
        "/ops servicepower job cancel JOB-1001 --reason x\n"
        "as @bob review R-\nas @bob approve r-7k3f9qw\nas @bob reject R- not this one\n"
        "/ops status R-\n",
        tmp_path,
    )
    assert "There is no request `R-`" not in output
    assert output.count("Bad request-id 'R-': request ids look like R-7K3F9QW2.") == 3
    assert "Bad request-id 'r-7k3f9qw': request ids look like R-7K3F9QW2. Nothing was" in output
    assert " approved " not in output and " rejected " not in output


def test_home_again_and_audit_say_a_malformed_request_id_as_status_does(tmp_path: Path) -> None:
    """`home approve R-`, `again r-7k3f`, `audit R-` were "There is no request …": the same
    check as `/ops status` and the card clicks names the shape an id has, and clicks nothing."""
    output = run(
        "/ops servicepower job cancel JOB-1001 --reason x\n"
        "as @bob home approve R-\nas @bob home stop R-\nas @bob home review R-\n"
        "again r-7k3f\naudit R-\n",
        tmp_path,
    )
    assert "There is no request" not in output and "there is no request" not in output
    bad = "Bad request-id 'R-': request ids look like R-7K3F9QW2."
    assert output.count(f"{bad} Nothing was clicked.") == 3
    assert "Bad request-id 'r-7k3f': request ids look like R-7K3F9QW2. Nothing was" in output
    assert output.rstrip().endswith(f"alice> audit R-\n{bad}")
    assert " approved " not in output and "form submitted" not in output


def test_what_the_app_sends_as_the_console_starts_is_shown(tmp_path: Path) -> None:
    """A request an earlier session left executing (it died mid-call) becomes unknown as the
    console starts, and one left pending past its ttl expires: their cards and the requester's
    messages are printed, after the banner, as the app's own messages always are."""
    with owner_of_a_process(still_running=False) as dead:  # the earlier session, ended
        store = Store.open(tmp_path / "console.db", clock=FakeClock(), owner=dead)  # 2026-01-01
    cards = []
    for number, job in enumerate(["JOB-1001", "JOB-1002"]):
        request = OperationRequest(
            operation="servicepower.job.cancel",
            vendor="servicepower",
            targets=(job,),
            reason="left by an earlier session",
        )
        record = store.create_request(
            request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
        )
        store.set_message(record.id, channel="C0OPS", ts=f"1767225600.00010{number}")
        cards.append(record.id)
    assert store.approve(cards[0], approver="U0BOB").status is ApprovalStatus.EXECUTE
    store.close()

    output = run("quit\n", tmp_path)

    shown = output[output.index("Sandbox targets:") :]
    assert "Outcome unknown: servicepower.job.cancel" in shown and cards[0] in shown
    assert "Expired: servicepower.job.cancel" in shown and cards[1] in shown
    assert shown.count("── direct message to @alice ──") == 2


def test_words_separated_by_tabs_are_read_as_words(tmp_path: Path) -> None:
    """A line pasted from a document or a terminal may hold tabs between its words."""
    output = run(
        "/ops\thelp enos\n/ops servicepower job cancel JOB-1001 --reason x\n"
        "as\t@bob\tapprove\naudit\n",
        tmp_path,
    )
    assert "unknown command" not in output
    assert "opsgate operations for enos" in output
    assert [line.split()[2] for line in output.splitlines() if line.startswith("#")] == [
        "requested",
        "approved",
        "executing",
        "succeeded",
    ]


def test_a_slash_command_typed_without_its_slash_ops_is_pointed_at_it(tmp_path: Path) -> None:
    output = run("status R-XXXXXXXX\nhuawei device delete gw-0001 --reason x\n", tmp_path)
    said = [line for line in output.splitlines() if line.startswith("unknown command")]
    assert said == [
        "unknown command status (did you mean /ops status …?); type help for the console's "
        "commands",
        "unknown command huawei (did you mean /ops huawei …?); type help for the console's "
        "commands",
    ]
