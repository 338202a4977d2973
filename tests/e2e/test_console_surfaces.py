"""The console keeps up with Slack: the request form, Request again and App Home as commands a
piped script can drive; styles only at a terminal; user groups by name; line editing and
history at a terminal."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tampering import tamper

from adapters.registry import Plugins, installed_plugins
from bot.console import run_console
from bot.settings import load_settings

POLICY = '[policy]\napprovers = ["S0123OPSLEADS"]\n'


def run(script: str, tmp_path: Path, *, policy: str = POLICY) -> str:
    (tmp_path / "opsgate.toml").write_text(policy)
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    out = io.StringIO()
    code = run_console(settings, stdin=io.StringIO(script), stdout=out, db=tmp_path / "c.db")
    assert code == 0
    return out.getvalue()


FORM = """\
form huawei.device.delete

gw-0001


decommissioned, INC-42


"""


def test_a_script_fills_in_the_request_form(tmp_path: Path) -> None:
    output = run(FORM, tmp_path)
    assert "── form: Request an operation ──" in output
    assert "Channel [#ops]: \n" in output  # an empty answer keeps what is shown
    assert "Targets (deviceId): gw-0001\n" in output
    assert "Reason: decommissioned, INC-42\n" in output
    assert "── form submitted ──" in output
    card = output[output.index("── #ops ──") :]
    assert "1 target: `gw-0001`" in card and "[Approve] [Reject] [Withdraw]" in card


def test_ops_alone_opens_the_request_form(tmp_path: Path) -> None:
    output = run("/ops\nhuawei.device.delete\n" + FORM.partition("\n")[2], tmp_path)
    assert "── form: Request an operation ──" in output
    assert "Operation (number or id): huawei.device.delete\n" in output
    assert "── form submitted ──" in output
    assert "1 target: `gw-0001`" in output


def test_the_channel_prompt_takes_only_a_channel(tmp_path: Path) -> None:
    script = "form huawei.device.delete\nJOB-1002\n#ops\n" + FORM.split("\n", 2)[2]
    output = run(script, tmp_path)
    assert "  ✖ Channel: JOB-1002 is not a channel here: type #ops, or a channel id" in output
    assert "Channel [#ops]: #ops\n" in output  # asked again
    assert "── form submitted ──" in output and "── #ops ──" in output
    assert "#JOB-1002" not in output


def test_a_file_that_cannot_be_read_is_asked_for_again(tmp_path: Path) -> None:
    devices = tmp_path / "devices.txt"
    devices.write_text("thermo-001\nthermo-002\n")
    answers = [
        "form aliyun.ota-task.cancel",
        "",  # channel
        "",  # targets: none typed, a file instead
        str(tmp_path / "nope.txt"),
        str(tmp_path),  # a directory
        "~no-such-user-here/devices.txt",  # a home directory that is not there
        str(devices),
        "a1OpsThermo",
        "fw-thermo-2.1.0",
        "",  # --job
        "",  # --instance
        "bad firmware 2.1.0, INC-77",
        "",  # --dry-run?
        "",  # --force?
        "/ops help aliyun",  # the console lives on
    ]
    output = run("\n".join(answers) + "\n", tmp_path)
    assert (
        f"  ✖ …or a file of targets: cannot read {tmp_path / 'nope.txt'}: "
        "No such file or directory\n"
    ) in output
    assert f"  ✖ …or a file of targets: cannot read {tmp_path}: Is a directory\n" in output
    assert (
        "  ✖ …or a file of targets: cannot read ~no-such-user-here/devices.txt: No such file or "
        "directory\n"
    ) in output
    assert output.count("…or a file of targets (a file path, or empty for none): ") == 4
    assert "── form submitted ──" in output
    assert "2 targets: `thermo-001`, `thermo-002`" in output
    assert "alice> /ops help aliyun" in output


def test_approver_groups_read_by_name(tmp_path: Path) -> None:
    output = run(FORM, tmp_path)
    assert "Who may approve: @ops-leads" in output
    assert "S0123OPSLEADS" not in output


def test_errors_come_back_under_their_fields_and_a_script_stops(tmp_path: Path) -> None:
    output = run("form huawei.device.delete\n\ngw/0001\n\n\nx\n\n\n", tmp_path)
    assert "  ✖ Targets (deviceId): Bad deviceId 'gw/0001'" in output
    assert "form not submitted" in output
    assert "Approval needed" not in output


def test_request_again_and_app_home_from_a_script(tmp_path: Path) -> None:
    script = (
        FORM
        + "as @bob home\n"
        + "as @bob home reject\n"
        + "again\n"
        + "\n" * 8
        + "as @carol home approve\n"
        + "audit\n"
    )
    output = run(script, tmp_path)
    bob_home = output[output.index("── App Home of @bob ──") :]
    assert "Waiting for you" in bob_home and "[Approve] [Reject]" in bob_home
    assert "🚫 Rejected by @bob" in output and "[Request again]" in output
    # bob's tab is redrawn after his click; the console shows only what changed
    assert "── App Home of @bob updated ──\nNothing is waiting for your approval." in output
    again = output[output.index("alice> again") :]
    assert "Operation (number or id) [huawei.device.delete]: " in again
    assert "Targets (deviceId) [gw-0001]: " in again
    ids = list(dict.fromkeys(re.findall(r"R-[0-9A-Z]{8}", output)))
    assert len(ids) == 2  # Request again made a new request
    trail = [line.split()[2:4] for line in output.splitlines() if line.startswith("#")]
    assert ["approved", "@carol"] in trail and ["rejected", "@bob"] in trail


def ended_unknown(tmp_path: Path, kinds: dict[str, str]) -> str:
    """A cancel of thermo-001…003, rejected, then stored as a run that ended `unknown` with
    each target's batch of `kinds` (``failed``, ``unknown``, ``not_sent``; the rest done)."""
    first = run(
        "/ops aliyun ota-task cancel thermo-{001..003} --product a1OpsThermo "
        "--firmware fw-thermo-2.1.0 --reason x\nas @bob reject\n",
        tmp_path,
    )
    request_id = re.findall(r"Request id: `?(R-[0-9A-Z]{8})", first)[0]
    failures = [{"targets": [t], "kind": k, "message": "m"} for t, k in kinds.items()]
    outcome = {"summary": "Cancel accepted", "total": 3, "failures": failures}
    tamper(
        tmp_path / "c.db",
        "UPDATE requests SET state = 'unknown', outcome = ? WHERE id = ?",
        params=(json.dumps(outcome), request_id),
    )
    return request_id


def test_again_on_an_unknown_run_asks_for_what_it_left_undone_and_only_then(
    tmp_path: Path,
) -> None:
    """`again` clicks Request again where the card has it: on an unknown run, for the target
    the vendor refused (never the unknown one, nor the one it did); a run with nothing known to
    be undone has no button, and `again` says so."""
    undone = ended_unknown(tmp_path, {"thermo-001": "unknown", "thermo-002": "failed"})
    output = run(f"again {undone}\n" + "\n" * 8, tmp_path)
    assert "── form: Request an operation ──" in output
    assert "Targets (deviceName) [thermo-002]: " in output
    assert f"These are the targets `{undone}` left undone: refused by the vendor" in output

    nothing = ended_unknown(tmp_path, {"thermo-001": "unknown"})
    output = run(f"again {nothing}\n", tmp_path)
    answers = output[output.index(f"alice> again {nothing}") :].splitlines()
    assert answers[1] == (
        f"{nothing} is unknown, and its card has no Request again: only failed, expired, "
        "rejected and stopped cards have one, and an unknown one that lists targets the vendor "
        "refused or never got"
    )


def test_again_on_a_failed_card_without_the_button_says_why(tmp_path: Path) -> None:
    """A failed card with no Request again is not told that failed cards have one: `again` says
    why this one has none (its outcome left nothing safe to ask for; or its integrity check
    failed)."""
    rid = ended_unknown(tmp_path, {"thermo-001": "unknown"})
    tamper(tmp_path / "c.db", "UPDATE requests SET state = 'failed' WHERE id = ?", params=(rid,))
    said = run(f"again {rid}\n", tmp_path)
    said = said[said.index(f"alice> again {rid}") :].splitlines()[1]
    assert said.startswith(f"{rid} is failed, and its card has no Request again: its outcome")
    assert "only failed" not in said

    integrity = {"kind": "failed", "error": "integrity", "message": "m"}
    tamper(
        tmp_path / "c.db",
        "UPDATE requests SET outcome = ? WHERE id = ?",
        params=(json.dumps(integrity), rid),
    )
    said = run(f"again {rid}\n", tmp_path)
    said = said[said.index(f"alice> again {rid}") :].splitlines()[1]
    assert "disagrees with the audit log" in said and "only failed" not in said


def test_home_reject_fills_in_the_reject_dialog_s_reason_as_reject_does(tmp_path: Path) -> None:
    """`reject [<id>] <why>` gives the card's Reject dialog a reason; the tab's Reject opens the
    same dialog, so `home reject [<id>] <why>` does too, rather than being refused."""
    output = run(FORM + "as @bob home reject wrong gateway, use gw-0002\n", tmp_path)
    reject = output[output.index("alice> as @bob home reject") :]
    assert "── dialog: Reject request ──" in reject
    assert "🚫 Rejected by @bob: wrong gateway, use gw-0002" in reject
    (tmp_path / "named").mkdir()
    posted = run(FORM, tmp_path / "named")  # pending; the next session names it
    request_id = re.search(r"R-[0-9A-Z]{8}", posted).group(0)  # type: ignore[union-attr]
    named = run(f"as @bob home reject {request_id[2:].lower()} not today\n", tmp_path / "named")
    assert "🚫 Rejected by @bob: not today" in named and request_id in named


def test_a_tab_its_owner_has_not_opened_is_not_shown(tmp_path: Path) -> None:
    """Rejecting redraws the rejecter's App Home tab (they may have clicked there); in the
    console only someone who has opened theirs (`home`) sees it, then only what changes."""
    output = run(FORM + "as @bob reject\n", tmp_path)
    reject = output[output.index("alice> as @bob reject") :]
    assert "── dialog: Reject request ──" in reject and "🚫 Rejected by @bob" in reject
    assert "App Home" not in reject


def test_tab_clicks_with_nothing_pending_name_their_own_verb(tmp_path: Path) -> None:
    output = run("home approve\nhome reject\nhome review\n", tmp_path)
    tab = "in your App Home; name one: home"
    assert f"nothing is waiting for your approval {tab} approve R-XXXXXXXX" in output
    assert f"nothing is waiting for your approval {tab} reject R-XXXXXXXX" in output
    assert f"no break-glass run awaits your review {tab} review R-XXXXXXXX" in output


def test_a_tab_click_without_an_id_clicks_only_a_button_the_tab_shows(tmp_path: Path) -> None:
    """@alice's own request is not in her "Waiting for you": `home approve` clicks nothing
    (no refusal recorded for a button she never had); @bob's tab has it, and his click runs it."""
    output = run(
        "/ops servicepower job cancel JOB-1001 --reason x\nhome approve\nas @bob home approve\n"
        "audit\n",
        tmp_path,
    )
    mine = output[output.index("alice> home approve") : output.index("alice> as @bob home")]
    assert mine.splitlines()[1].startswith("nothing is waiting for your approval")
    trail = [line.split()[2] for line in output.splitlines() if line.startswith("#")]
    assert trail == ["requested", "approved", "executing", "succeeded"]  # no `denied`


def test_again_of_no_request_is_refused_as_other_clicks_are(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        output = run("again R-NOPE0000\n", tmp_path)
    again = output[output.index("alice> again R-NOPE0000") :]
    assert again.splitlines()[1:] == [
        "── only visible to @alice ──",
        "⛔ There is no request `R-NOPE0000`.",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_form_with_nothing_to_request_says_so(tmp_path: Path) -> None:
    output = run("form\n/ops help\n", tmp_path, policy='[policy]\nrequesters = ["U0BOB"]\n')
    assert "You may not request any operation: ask an admin about the policy." in output
    assert "alice> /ops help" in output  # the next line is a command again, not an answer


def test_styles_only_at_a_terminal(tmp_path: Path) -> None:
    piped = run("/ops huawei package delete pkg-meter-fw-1.1.0 --reason x\n", tmp_path)
    assert "\x1b[" not in piped
    assert "Preview: " in piped and "*Preview:*" not in piped  # no raw markers either


@pytest.mark.slow
def test_a_terminal_gets_line_editing_history_and_styles(tmp_path: Path) -> None:
    (tmp_path / "opsgate.toml").write_text("")
    history = tmp_path / "history"
    env = {
        "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
        "OPSGATE_CONSOLE_DB": str(tmp_path / "c.db"),
        "OPSGATE_CONSOLE_HISTORY": str(history),
        "PATH": "/usr/bin:/bin",
        "TERM": "xterm",
        "HOME": str(tmp_path),
    }
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "console"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    terminal = _Terminal(leader)
    try:
        # Type only once readline shows its prompt after the last answer: keys typed earlier
        # reach the terminal before readline reads them.
        terminal.wait_for("alice> ")
        os.write(leader, b"verify\r")
        terminal.wait_for("audit log intact", times=1, then="alice> ")
        os.write(leader, b"\x1b[A\r")  # the up arrow recalls "verify"
        terminal.wait_for("audit log intact", times=2, then="alice> ")
        os.write(leader, b"/ops help huawei\r")
        terminal.wait_for("huawei device delete", then="alice> ")
        os.write(leader, b"form servicepower.job.cancel\r")
        terminal.wait_for("Channel [#ops]: ")
        os.write(leader, b"\r")
        terminal.wait_for("Targets (jobId): ")
        os.write(leader, b"JOB-1001\r")
        terminal.wait_for("--reason-id <n>: ")
        # Ctrl-C gives the form up, not the console. A SIGINT that lands after readline drew
        # its prompt but before it waits for a key is only seen at the next key (CPython's
        # readline): press it again, as a person would.
        for _ in range(5):
            process.send_signal(signal.SIGINT)
            if terminal.shows_soon("--reason-id <n>: ", then="alice> "):
                break
        terminal.wait_for("--reason-id <n>: ", then="alice> ")
        os.write(leader, b"quit\r")
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait(timeout=30)  # reaped, so no child outlives the test
        os.close(leader)
    screen = terminal.screen
    assert screen.count("audit log intact") == 2
    assert "\x1b[1m" in screen  # Slack's bold as the terminal's
    kept = history.read_text()
    assert "verify" in kept and "form servicepower.job.cancel" in kept
    assert "JOB-1001" not in kept  # a form's answers are no commands to recall
    assert "Approval needed" not in screen


class _Terminal:
    """What a pseudo-terminal has shown so far, read as it comes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.screen = ""
        self._seen = b""

    def wait_for(
        self, text: str, *, times: int = 1, then: str | None = None, timeout: float = 60.0
    ) -> None:
        """Read until `text` has appeared `times` times on the whole screen so far, and then,
        if given, until `then` appears after its last appearance."""
        deadline = time.monotonic() + timeout
        while not self._shows(text, times, then):
            left = max(deadline - time.monotonic(), 0)
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                raise AssertionError(f"waited for {text!r}; the terminal shows:\n{self.screen}")
            self._seen += os.read(self.fd, 65536)
            self.screen = self._seen.decode(errors="replace")

    def shows_soon(self, text: str, *, then: str, within: float = 2.0) -> bool:
        """True when `then` follows the last `text` within `within` seconds."""
        try:
            self.wait_for(text, then=then, timeout=within)
        except AssertionError:
            return False
        return True

    def _shows(self, text: str, times: int, then: str | None) -> bool:
        if self.screen.count(text) < times:
            return False
        return then is None or then in self.screen[self.screen.rindex(text) + len(text) :]


def test_a_switch_takes_only_yes_or_no_and_asks_again_for_anything_else(tmp_path: Path) -> None:
    script = "form huawei.device.delete\n\ngw-0001\n\ntrue\n1\ny\nINC-7\nmaybe\nn\n\n"
    output = run(script, tmp_path)
    refusals = [line for line in output.splitlines() if line.startswith("  ✖")]
    assert refusals == [
        "  ✖ --no-cascade: answer y or n (or nothing to keep [y/N])",
        "  ✖ --no-cascade: answer y or n (or nothing to keep [y/N])",
        "  ✖ --dry-run: answer y or n (or nothing to keep [y/N])",
    ]
    card = output[output.index("── #ops ──") :]
    assert "Parameters: `cascade`: `no`" in card and "Approval needed" in card


def test_the_operation_prompt_asks_again_for_what_is_no_operation(tmp_path: Path) -> None:
    """As the Channel prompt does: a bad answer is explained and asked again, so the script's
    next lines still answer the form instead of running as commands."""
    script = "/ops\nbogus\n\n-\n99\nhuawei.device.delete\n" + FORM.partition("\n")[2]
    output = run(script, tmp_path)
    refusals = [line for line in output.splitlines() if line.startswith("  ✖")]
    assert refusals == [
        "  ✖ Operation: bogus is not an operation you may request: type a number from the"
        " list, or an operation's id",
        "  ✖ Operation: the form needs one: type a number from the list, or an operation's id",
        "  ✖ Operation: the form needs one: type a number from the list, or an operation's id",
        "  ✖ Operation: 99 is not in the list, which runs from 1 to 5: type a number from"
        " the list, or an operation's id",
    ]
    assert output.count("Operation (number or id): ") == 5
    assert "── form submitted ──" in output and "1 target: `gw-0001`" in output
    assert "a slash command as the current user" not in output  # no line ran as a command


def test_request_again_asks_again_when_its_operation_is_cleared(tmp_path: Path) -> None:
    script = FORM + "as @bob reject\nagain\n-\n" + "\n" * 8
    output = run(script, tmp_path)
    again = output[output.index("alice> again") :]
    assert "Operation (number or id) [huawei.device.delete]: -\n  ✖ Operation: the form" in again
    assert "Operation (number or id) [huawei.device.delete]: \n" in again  # kept, as shown
    assert "── form submitted ──" in again and "Approval needed" in again


def test_the_operation_prompt_stops_at_the_end_of_input(tmp_path: Path) -> None:
    output = run("/ops\nbogus\n", tmp_path)
    assert output.rstrip().endswith(
        "  ✖ Operation: bogus is not an operation you may request:"
        " type a number from the list, or an operation's id\n"
        "── form closed (end of input): nothing was submitted ──"
    )
    assert "── form submitted ──" not in output


def test_again_on_a_request_whose_plugin_was_uninstalled_says_it_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rejected request's card had Request again; once its vendor plugin is removed, `again`
    names it not installed (no form), and `again` alone offers it no more."""
    first = run(FORM + "as @bob home reject\n", tmp_path)
    [rid] = dict.fromkeys(re.findall(r"R-[0-9A-Z]{8}", first))
    others = [p for name, p in installed_plugins().by_name.items() if name != "huawei"]
    monkeypatch.setattr("bot.console.session.installed_plugins", lambda: Plugins.of(*others))
    said = run(f"again {rid}\nagain\n", tmp_path)
    assert f"{rid} is rejected, and its card has no Request again: huawei.device.delete is " in said
    assert "is not installed (its vendor plugin was removed)" in said
    assert "no request can be asked again yet" in said
    assert "── form: Request an operation ──" not in said
