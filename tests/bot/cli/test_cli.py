"""The `opsgate` command line (SPEC §5), run in-process through `bot.cli.main`."""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from tampering import tamper

from bot import cli
from bot.console.standin.server import SlackStandIn
from bot.model import AuditEventName
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

VENDOR_VARS = ("OPSGATE_SANDBOX", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


def seed_events(db: Path, count: int = 3) -> list[str]:
    store = Store.open(db)
    ids = []
    for i in range(count):
        request = OperationRequest(
            operation="huawei.package.delete",
            vendor="huawei",
            targets=(f"pkg-{i}",),
            reason="cli test",
        )
        record = store.create_request(
            request,
            requester="U0ALICE",
            channel="C0OPS",
            policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
            sandbox=True,
        )
        store.log(record.id, AuditEventName.DENIED, actor="U0BOB", detail={"reason": "x"})
        ids.append(record.id)
    store.close()
    return ids


def test_audit_verify_intact(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_events(env / "opsgate.db")
    assert cli.main(["audit", "verify"]) == 0
    assert "6 events verified" in capsys.readouterr().out


def test_audit_verify_names_the_first_edited_event(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_events(env / "opsgate.db")
    tamper(env / "opsgate.db", "UPDATE events SET actor = 'U0MALLORY' WHERE seq = 4")
    assert cli.main(["audit", "verify"]) == 1
    assert "seq 4" in capsys.readouterr().err


def test_audit_export_jsonl_and_csv(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = seed_events(env / "opsgate.db", count=2)
    assert cli.main(["audit", "export"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["request_id"] for e in lines] == [ids[0], ids[0], ids[1], ids[1]]
    assert {
        "seq",
        "at",
        "event",
        "actor",
        "operation",
        "targets",
        "detail",
        "prev_hash",
        "hash",
    } <= set(lines[0])

    assert cli.main(["audit", "export", "--format", "csv", "--since", "24h"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 4 and rows[0]["event"] == "requested"


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ("actor = CAST(x'55ff' AS TEXT)", "event 4 cannot be read (its actor is not UTF-8 text)"),
        ("detail = '{\"reason\":'", "event 4 cannot be read (Expecting value"),
        ("event = 'erased'", "event 4 cannot be read (event: Input should be"),
    ],
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_audit_export_writes_the_events_before_one_it_cannot_read_and_names_it(
    env: Path, capsys: pytest.CaptureFixture[str], stored: str, named: str, fmt: str
) -> None:
    seed_events(env / "opsgate.db", count=3)
    tamper(env / "opsgate.db", f"UPDATE events SET {stored} WHERE seq = 4")  # noqa: S608

    assert cli.main(["audit", "export", "--format", fmt]) == 1
    out, err = capsys.readouterr()
    written = out.splitlines()[1:] if fmt == "csv" else out.splitlines()
    assert [
        line.split(",")[0] if fmt == "csv" else json.loads(line)["seq"] for line in written
    ] == (["1", "2", "3"] if fmt == "csv" else [1, 2, 3])
    assert err.startswith(f"opsgate: {named}")
    assert "changed outside opsgate" in err and "Traceback" not in err


def test_audit_export_bad_since(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "export", "--since", "last tuesday"]) == 2
    assert "--since" in capsys.readouterr().err
    assert cli.main(["audit", "export", "--since", ""]) == 2  # not read as "every event"
    assert "cannot read --since ''" in capsys.readouterr().err
    assert cli.main(["audit", "export", "--since=-5m"]) == 2
    assert capsys.readouterr().err == (
        "opsgate: --since: cannot read --since '-5m': an age is how long ago, without a sign: 5m\n"
    )


def test_manifest_socket_and_http(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["manifest"]) == 0
    socket = yaml.safe_load(capsys.readouterr().out)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert cli.main(["manifest", "--http", "--url", "https://ops.example.com"]) == 0
    http = yaml.safe_load(capsys.readouterr().out)
    assert http["features"]["slash_commands"][0]["url"] == "https://ops.example.com/slack/events"
    assert cli.main(["manifest", "--http"]) == 2
    assert "url" in capsys.readouterr().err.lower()


def test_check_with_sandboxed_vendors(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-check")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "check-secret")
    with SlackStandIn() as slack:
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "all checks passed" in out
    assert "ok    slack: token OK" in out and "serve uses HTTP" in out
    for vendor in ("enos", "aliyun", "huawei", "servicepower"):
        assert f"{vendor} (sandbox)" in out


def report_lines(out: str) -> list[str]:
    """The report's lines, one per check, each asserted to start with its status column."""
    lines = out.split("\n\n")[0].splitlines()
    assert all(line[:6] in {"ok    ", "FAIL  "} and line[6] != " " for line in lines), out
    return lines


def test_check_with_sandboxed_vendors_is_a_clean_aligned_report(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")  # vendors log in: progress the report leaves out
    assert cli.main(["check"]) == 1  # no Slack token: one FAIL line among the ok ones
    out, err = capsys.readouterr()
    assert [line[6:].split(":")[0] for line in report_lines(out)] == [
        "policy",
        "database",
        "slack",
        *(f"{vendor} (sandbox)" for vendor in ("aliyun", "enos", "huawei", "servicepower")),
    ]
    assert "logging in" not in err and err == ""


def database_line(out: str) -> str:
    [line] = [x for x in report_lines(out) if x[6:].startswith("database:")]
    return line


def test_check_opens_the_database_as_serve_would(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["check"])
    assert database_line(capsys.readouterr().out) == (
        f"ok    database: {env / 'opsgate.db'}: none yet; `serve` creates it"
    )
    assert not (env / "opsgate.db").exists()  # check creates nothing
    seed_events(env / "opsgate.db")
    cli.main(["check"])
    assert database_line(capsys.readouterr().out).endswith(": 6 audit events")  # 3 requests
    monkeypatch.setenv("OPSGATE_DB", str(env / "missing" / "opsgate.db"))
    assert cli.main(["check"]) == 1
    assert database_line(capsys.readouterr().out) == (
        f"FAIL  database: `opsgate serve` would not start: cannot create "
        f"{env / 'missing' / 'opsgate.db'}: {env / 'missing'} is not a writable directory"
    )


def test_check_fails_a_database_in_a_folder_where_no_file_can_be_created(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its permission bits are no answer (root passes them even in /proc): a file is tried."""
    monkeypatch.setenv("OPSGATE_DB", "/proc/opsgate.db")
    assert cli.main(["check"]) == 1
    assert database_line(capsys.readouterr().out) == (
        "FAIL  database: `opsgate serve` would not start: cannot create /proc/opsgate.db: "
        "/proc is not a writable directory"
    )


def test_check_counts_one_audit_event_in_the_singular(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_events(env / "opsgate.db", 0)
    store = Store.open(env / "opsgate.db")
    store.create_request(
        OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=("p",)),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(),
        sandbox=True,
    )
    store.close()
    cli.main(["check"])
    assert database_line(capsys.readouterr().out).endswith(": 1 audit event")


def test_check_of_a_database_whose_log_is_damaged_is_one_fail_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_events(env / "opsgate.db")
    with closing(sqlite3.connect(env / "opsgate.db")) as conn, conn:
        conn.execute("DELETE FROM chain_head")
    assert cli.main(["check"]) == 1
    line = database_line(capsys.readouterr().out)
    assert line.startswith(f"FAIL  database: {env / 'opsgate.db'}: ")
    assert cli.main(["audit", "verify"]) == 1  # the store was closed: the file is free


def test_check_fails_a_database_serve_cannot_reach_without_showing_its_password(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_DB", "postgresql://ops:s3cret@127.0.0.1:1/opsgate")
    assert cli.main(["check"]) == 1
    line = database_line(capsys.readouterr().out)
    assert line.startswith(
        "FAIL  database: `opsgate serve` would not start: cannot connect to "
        "postgresql://ops:****@127.0.0.1:1/opsgate: "
    )
    assert "s3cret" not in line


def test_check_of_an_unreachable_vendor_says_to_check_again_without_its_retries_logged(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("OPSGATE_ENOS__BASE_URL", closed)
    monkeypatch.setenv("OPSGATE_ENOS__APP_KEY", "check-key")
    monkeypatch.setenv("OPSGATE_ENOS__APP_SECRET", "check-secret")
    assert cli.main(["check"]) == 1
    out, err = capsys.readouterr()
    [enos] = [line for line in report_lines(out) if line.startswith("FAIL  enos")]
    assert enos.endswith("then run `opsgate check` again.") and "request" not in enos
    assert "stamina" not in err and "retry" not in err


def test_check_reports_unconfigured_vendors_and_a_bad_policy(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "opsgate.toml").write_text("[policy]\napprovals = -1\n")
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  policy" in out and "approvals" in out
    assert "not configured" in out


def test_check_says_which_policy_applies(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["check"])
    [line] = [x for x in report_lines(capsys.readouterr().out) if x[6:].startswith("policy:")]
    assert line.startswith("ok    policy: none configured: the defaults apply (any one person")
    (env / "rules.toml").write_text('[policy]\napprovers = ["S0123OPSLEADS"]\n')
    monkeypatch.setenv("OPSGATE_POLICY", str(env / "rules.toml"))
    cli.main(["check"])
    assert f"ok    policy: valid ({env / 'rules.toml'})" in report_lines(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("written", "why"),
    [
        (b"\xff\xfe[\x00p\x00o\x00", "it is not UTF-8 text: save it as UTF-8"),
        (None, "no such file or directory"),
        (b"[policy\n", "not valid TOML: "),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "not valid TOML: nested too deeply"),
        (b"#" * (1024 * 1024 + 1), "it is larger than 1 MiB"),
    ],
)
def test_check_of_a_policy_file_it_cannot_read_says_why_in_one_line(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    written: bytes | None,
    why: str,
) -> None:
    if written is not None:
        (env / "rules.toml").write_bytes(written)
    monkeypatch.setenv("OPSGATE_POLICY", str(env / "rules.toml"))
    assert cli.main(["check"]) == 1
    [line] = [x for x in report_lines(capsys.readouterr().out) if x[6:].startswith("policy:")]
    assert line.startswith(f"FAIL  policy: cannot read {env / 'rules.toml'}: {why}")


def test_check_of_a_policy_that_is_a_device_refuses_to_read_it(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_POLICY", "/dev/zero")  # never ends: must not be read
    assert cli.main(["check"]) == 1
    [line] = [x for x in report_lines(capsys.readouterr().out) if x[6:].startswith("policy:")]
    assert line == "FAIL  policy: cannot read /dev/zero: it is not a regular file"


def test_check_reaches_a_configured_vendor(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from adapters.servicepower import plugin as servicepower
    from adapters.servicepower.simulator.api import SANDBOX_CLIENT_ID

    simulator = servicepower.sandboxed().simulator
    with simulator.serve() as base_url:
        monkeypatch.setenv("OPSGATE_SERVICEPOWER__BASE_URL", base_url)
        monkeypatch.setenv("OPSGATE_SERVICEPOWER__CLIENT_ID", SANDBOX_CLIENT_ID)
        monkeypatch.setenv("OPSGATE_SERVICEPOWER__CLIENT_SECRET", "wrong-secret")
        assert cli.main(["check"]) == 1
        out = capsys.readouterr().out
    assert "FAIL  servicepower" in out
    assert "wrong-secret" not in out


def test_a_password_written_in_a_vendors_base_url_stops_check_without_showing_it(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_SERVICEPOWER__BASE_URL", "http://user:LEAKME-pw@127.0.0.1:9")
    monkeypatch.setenv("OPSGATE_SERVICEPOWER__TOKEN", "t0ken")
    assert cli.main(["check"]) == 2
    out, err = capsys.readouterr()
    assert "OPSGATE_SERVICEPOWER__BASE_URL" in err and "user name or password" in err
    assert "LEAKME" not in out + err


def test_check_with_a_system_token_at_a_closed_port_fails_in_plain_words(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The token cannot be verified, but the server must answer; a one-letter token is no
    reason to mask that letter all over the line."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OPSGATE_SERVICEPOWER__BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OPSGATE_SERVICEPOWER__TOKEN", "t")
    assert cli.main(["check"]) == 1
    [line] = [line for line in report_lines(capsys.readouterr().out) if "servicepower" in line]
    assert line.startswith(
        f"FAIL  servicepower: could not connect to servicepower at 127.0.0.1:{port} (ConnectError)"
    )


def test_invalid_settings_stop_with_the_key_named(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_WORKERS", "0")
    assert cli.main(["check"]) == 2
    assert "OPSGATE_WORKERS" in capsys.readouterr().err


def test_serve_without_a_bot_token_points_to_the_console(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve"]) == 2
    assert "opsgate console" in capsys.readouterr().err


def test_serve_http_needs_the_signing_secret(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    assert cli.main(["serve", "--http"]) == 2
    assert "SLACK_SIGNING_SECRET" in capsys.readouterr().err


def test_serve_http_says_a_probe_port_is_for_socket_mode(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert cli.main(["serve", "--http", "--probe-port", "9102"]) == 2  # no signing secret
    assert "--probe-port is for Socket Mode" in caplog.text


def test_serve_with_an_invalid_policy_stops_naming_the_key(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    (env / "opsgate.toml").write_text('[policy]\nttl = "soon"\n')
    assert cli.main(["serve", "--http"]) == 2
    assert "ttl" in capsys.readouterr().err


def test_check_fails_on_an_operation_nobody_could_ever_approve(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SPEC §11: its only approver is its only requester, and self-approval is off."""
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")
    (env / "opsgate.toml").write_text(
        '[policy.operations."huawei.device.delete"]\n'
        'requesters = ["U0ALICE"]\napprovers = ["U0ALICE"]\n'
    )
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert 'policy.operations."huawei.device.delete".approvers: could never be approved' in out


def test_serve_and_check_refuse_max_targets_above_the_operations_own_limit(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")
    (env / "opsgate.toml").write_text(
        '[policy.operations."aliyun.ota-task.cancel"]\nmax_targets = 20000\n'
    )
    said = (
        'policy.operations."aliyun.ota-task.cancel".max_targets: must be at most 10,000, '
        "the most aliyun.ota-task.cancel takes in one request"
    )
    assert cli.main(["check"]) == 1
    assert said in capsys.readouterr().out
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert cli.main(["serve", "--http"]) == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ("[policy]\nchannels = []\n", "; nobody can request any operation (channels = [])"),
        (
            '[policy.operations."huawei.device.delete"]\nrequesters = []\nchannels = []\n'
            '[policy.operations."aliyun.ota-task.cancel"]\nchannels = []\n',
            "; nobody can request aliyun.ota-task.cancel (channels = []); "
            "huawei.device.delete (requesters = [], channels = [])",
        ),
    ],
)
def test_check_says_which_operations_nobody_can_request(
    env: Path, capsys: pytest.CaptureFixture[str], toml: str, said: str
) -> None:
    """Valid (an empty list turns an operation off), but never silent: it may be a slip."""
    (env / "opsgate.toml").write_text(toml)
    cli.main(["check"])
    lines = report_lines(capsys.readouterr().out)
    assert f"ok    policy: valid ({env / 'opsgate.toml'}){said}" in lines
