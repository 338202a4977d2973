"""Every expected failure of the command line is one line and a non-zero status, never a
traceback (SPEC §13): bad paths, foreign files, unreachable Slack, closed pipes, Ctrl-C."""

from __future__ import annotations

import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn

import pytest

from adapters.registry import PluginError
from bot import cli
from bot.cli import checks, preflight
from bot.cli.options import port_number
from bot.console.standin.server import SlackStandIn
from bot.model import AuditEventName
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

#: The source tree under test: a child started from another directory imports it, not whatever
#: copy of opsgate the virtualenv has installed.
SOURCE_TREE = Path(__file__).resolve().parents[3]


SUBCOMMANDS = (
    ["serve"],
    ["console"],
    ["audit"],
    ["audit", "export"],
    ["audit", "verify"],
    ["manifest"],
    ["check"],
)


@pytest.fixture
def env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clean environment, run from its empty directory."""
    monkeypatch.chdir(env)
    return env


def one_line(text: str) -> str:
    """The one line saying what failed (log lines at INFO may come before it)."""
    lines = [line for line in text.splitlines() if line.startswith("opsgate: ")]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def seed(db: Path, requests: int) -> None:
    store = Store.open(db)
    for i in range(requests):
        record = store.create_request(
            OperationRequest(
                operation="huawei.package.delete",
                vendor="huawei",
                targets=(f"pkg-{i}",),
                reason="a reason long enough to make each exported line a few hundred bytes " * 3,
            ),
            requester="U0ALICE",
            channel="C0OPS",
            policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
            sandbox=True,
        )
        store.log(record.id, AuditEventName.DENIED, actor="U0BOB", detail={"reason": "x"})
    store.close()


def files_in(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


# -- --version and --help -----------------------------------------------------------------------


def test_version(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == "opsgate 0.2.0"


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_help_has_a_one_line_description(
    env: Path, capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([*words, "--help"])
    assert exited.value.code == 0
    usage, description = capsys.readouterr().out.split("\n\n")[:2]
    assert usage.startswith(f"usage: opsgate {' '.join(words)}")
    assert "\n" not in description.strip() and description.strip().endswith(".")


# -- audit: read-only, one line on any failure --------------------------------------------------


def test_audit_verify_on_a_missing_database_creates_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_in(env)
    assert cli.main(["audit", "verify"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "no database at" in line and "opsgate.db" in line and "OPSGATE_DB" in line
    assert files_in(env) == before


def test_audit_on_a_directory_says_it_is_one(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "logs").mkdir()
    assert cli.main(["audit", "head", "--db", str(env / "logs")]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"opsgate: {env / 'logs'} is a directory, not a database file")


def test_a_database_path_with_control_characters_is_shown_escaped(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "opsgate.toml").write_text('db = "a\\u0000b.db"\n')
    monkeypatch.delenv("OPSGATE_DB")
    assert cli.main(["audit", "head"]) == 2
    assert one_line(capsys.readouterr().err).startswith("opsgate: no database at a\\x00b.db ")
    assert cli.main(["audit", "head", "--db", "a\rb.db"]) == 2
    assert one_line(capsys.readouterr().err).startswith("opsgate: no database at a\\rb.db ")


def test_audit_verify_in_a_missing_folder_is_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_DB", "/nonexistent/dir/x.db")
    assert cli.main(["audit", "verify"]) == 2
    assert "/nonexistent/dir/x.db" in one_line(capsys.readouterr().err)
    assert not Path("/nonexistent").exists()


@pytest.mark.parametrize("kind", ["text file", "other sqlite database"])
def test_audit_on_a_file_that_is_not_opsgates_changes_nothing(
    env: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    foreign = env / "foreign.db"
    if kind == "text file":
        foreign.write_text("not a database\n")
    else:
        with sqlite3.connect(foreign) as db:
            db.execute("CREATE TABLE notes (body TEXT)")
    content, before = foreign.read_bytes(), files_in(env)
    for action in ("verify", "export"):
        assert cli.main(["audit", action, "--db", str(foreign)]) == 2
        line = one_line(capsys.readouterr().err)
        assert "foreign.db" in line
        assert ("not a database" in line) or ("not an opsgate database" in line)
    assert foreign.read_bytes() == content and files_in(env) == before


def test_audit_verify_leaves_no_side_files_next_to_a_closed_database(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env / "opsgate.db", 2)
    before = files_in(env)
    assert cli.main(["audit", "verify"]) == 0
    assert "4 events verified" in capsys.readouterr().out
    assert files_in(env) == before  # no -wal or -shm appeared


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "verify", "--db", "{db}"],
        ["audit", "--db", "{db}", "verify"],
        ["audit", "verify", "--db", "sqlite:///{db}"],
    ],
)
def test_db_option_names_the_database(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    other = env / "elsewhere" / "audit.db"
    other.parent.mkdir()
    seed(other, 1)
    assert cli.main([a.replace("{db}", str(other)) for a in argv]) == 0
    assert "2 events verified" in capsys.readouterr().out
    assert not (env / "opsgate.db").exists()  # OPSGATE_DB was not touched


def test_db_option_refuses_a_database_url_it_cannot_open(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", "export", "--db", "mysql://ops@db.example/opsgate"]) == 2
    assert "or a postgresql:// URL" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("flag", ["--from", "--to"])
def test_db_copy_names_the_option_whose_url_it_cannot_open(
    env: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    given = {"--from": str(env / "a.db"), "--to": str(env / "b.db"), flag: "mysql://x/y"}
    assert cli.main(["db", "copy", "--from", given["--from"], "--to", given["--to"]]) == 2
    assert one_line(capsys.readouterr().err).startswith(f"opsgate: {flag}: mysql://…: give a file")


@pytest.mark.parametrize("command", [["audit", "verify"], ["db", "migrate"]])
def test_a_malformed_postgresql_url_is_one_line_without_its_password(
    env: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    url = "postgresql://ops:s3cret@[::1/opsgate"  # the IPv6 host's bracket is never closed
    assert cli.main([*command, "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsgate: cannot connect to postgresql://ops:****@[::1/opsgate: ")
    assert len(err.splitlines()) == 1 and "s3cret" not in err


def test_an_unreachable_postgresql_is_one_line_without_its_password(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://ops:s3cret@127.0.0.1:1/opsgate"  # nothing listens on port 1
    assert cli.main(["audit", "verify", "--db", url]) == 2
    err = one_line(capsys.readouterr().err)
    assert "cannot connect to postgresql://ops:****@127.0.0.1:1/opsgate" in err
    assert "s3cret" not in err


def test_audit_export_into_a_closed_pipe_ends_quietly(env: Path) -> None:
    seed(env / "opsgate.db", 150)  # ~300 lines, more than a pipe holds
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "audit", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SOURCE_TREE)},
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        head = [process.stdout.readline() for _ in range(3)]  # `| head -3`
        process.stdout.close()
        status = process.wait(timeout=30)
        errors = process.stderr.read()
    assert all(line.startswith(b'{"seq"') for line in head)
    assert errors == b""
    assert status == 141


def opsgate_run(
    words: list[str], stdout: Any, **options: Any
) -> subprocess.CompletedProcess[bytes]:
    """Run `opsgate <words>` from this source tree, sandboxed, writing to `stdout`."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *words],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SOURCE_TREE), "OPSGATE_SANDBOX": "1"},
        timeout=60,
        check=False,
        **options,
    )


def into_a_closed_pipe(*words: str) -> subprocess.CompletedProcess[bytes]:
    """Run `opsgate <words>` with its stdout a pipe whose reader has already left."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return opsgate_run(list(words), writer)
    finally:
        os.close(writer)


@pytest.mark.parametrize(
    "words",
    [
        ["check"],
        ["plugins"],
        ["plugins", "--json"],
        ["manifest"],
        ["audit", "head"],
        ["audit", "verify"],
        ["db", "migrate"],
        ["db", "copy", "--from", "opsgate.db", "--to", "copy.db"],
    ],
    ids=" ".join,
)
def test_every_command_into_a_closed_pipe_ends_quietly(env: Path, words: list[str]) -> None:
    seed(env / "opsgate.db", 1)
    finished = into_a_closed_pipe(*words)
    assert b"Traceback" not in finished.stderr
    assert b"BrokenPipeError" not in finished.stderr
    assert finished.returncode == 141


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "words",
    [
        ["audit", "export"],
        ["audit", "export", "--format", "csv"],
        ["audit", "verify"],
        ["audit", "head"],
        ["manifest"],
        ["plugins"],
        ["check"],
        ["db", "migrate"],
    ],
    ids=" ".join,
)
def test_every_command_onto_a_full_disk_is_one_line(env: Path, words: list[str]) -> None:
    seed(env / "opsgate.db", 1)
    with Path("/dev/full").open("w") as full:  # every write fails: No space left on device
        finished = opsgate_run(words, full)
    assert finished.stderr.decode() == (
        "opsgate: cannot write the output: No space left on device\n"
    )
    assert finished.returncode == 2  # never verify's 1: the log is not what failed


@pytest.mark.parametrize("words", [["--version"], ["audit", "export"]], ids=" ".join)
def test_a_command_started_with_stdout_closed_is_one_line(env: Path, words: list[str]) -> None:
    seed(env / "opsgate.db", 1)
    # ``opsgate … >&-``: Python starts with sys.stdout None
    finished = opsgate_run(words, subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert (
        finished.stderr.decode() == "opsgate: cannot write the output: standard output is closed\n"
    )
    assert finished.returncode == 2


@pytest.mark.parametrize("words", [["console"], []], ids=lambda words: " ".join(words) or "bare")
def test_the_console_started_with_stdout_closed_is_one_line(env: Path, words: list[str]) -> None:
    finished = opsgate_run(
        words, subprocess.DEVNULL, input=b"help\n", preexec_fn=lambda: os.close(1)
    )
    assert (
        finished.stderr.decode() == "opsgate: cannot write the output: standard output is closed\n"
    )
    assert finished.returncode == 2
    assert not (env / "opsgate-console.db").exists()  # refused before opening its database


def test_the_console_started_with_stdin_closed_is_one_line(env: Path) -> None:
    finished = opsgate_run(["console"], subprocess.PIPE, preexec_fn=lambda: os.close(0))
    assert finished.stderr.decode() == "opsgate: cannot read the input: standard input is closed\n"
    assert (finished.returncode, finished.stdout) == (2, b"")
    assert not (env / "opsgate-console.db").exists()


def test_ctrl_c_in_the_console_exits_quietly(env: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "OPSGATE_CONSOLE_DB": str(env / "console.db")},
    ) as process:
        assert process.stdout is not None
        assert b"opsgate console" in process.stdout.readline()  # the banner: it reads input now
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in errors and b"KeyboardInterrupt" not in errors


def test_console_with_a_database_in_a_missing_folder_is_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_CONSOLE_DB", "/nonexistent/dir/console.db")
    monkeypatch.setattr(sys, "stdin", io.StringIO("help\n"))
    assert cli.main(["console"]) == 2
    assert "/nonexistent/dir/console.db" in one_line(capsys.readouterr().err)


# -- serve and check agree on Slack -------------------------------------------------------------


def test_check_and_serve_agree_without_slack_credentials(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  slack" in out and "SLACK_BOT_TOKEN is not set" in out
    assert "all checks passed" not in out
    assert cli.main(["serve"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in one_line(capsys.readouterr().err)


def test_check_and_serve_agree_without_a_signing_secret(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert cli.main(["check"]) == 1
    assert "SLACK_SIGNING_SECRET is not set" in capsys.readouterr().out
    assert cli.main(["serve"]) == 2
    assert "SLACK_SIGNING_SECRET is not set" in one_line(capsys.readouterr().err)


def test_serve_http_refuses_an_empty_signing_secret_in_the_toml_file(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "opsgate.toml").write_text('slack_bot_token = "xoxb-test"\nslack_signing_secret = ""\n')
    assert cli.main(["serve", "--http"]) == 2
    assert "SLACK_SIGNING_SECRET is not set" in one_line(capsys.readouterr().err)


@pytest.fixture
def slack_env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setattr(preflight, "SLACK_TIMEOUT_S", 1)
    return env


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/"


@pytest.fixture
def other_json_server() -> Iterator[str]:
    """Another service's API: JSON, but not Slack's (no ``ok``)."""

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b'{"status": "fine", "jobs": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


def _no_dns(*args: object, **kwargs: object) -> object:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize("command", [["serve", "--http"], ["check"]])
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("refused", "could not reach Slack"),
        ("dns", "Name or service not known"),
        ("silent", "did not answer within 1 s"),
        ("not slack", "is not Slack's Web API"),
        ("other json", "is not Slack's Web API"),
    ],
)
def test_an_unreachable_slack_is_one_line(
    slack_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    silent_server: str,
    other_json_server: str,
    command: list[str],
    case: str,
    expected: str,
) -> None:
    with SlackStandIn() as slack:
        url = {
            "refused": closed_port_url(),
            # https: plain http to another machine adds a start-up warning (test_slack_in_clear)
            "dns": "https://slack.example.invalid/api/",
            "silent": silent_server,
            "not slack": f"{slack.base_url}/not-the-api/",  # answers 404, text/plain
            "other json": other_json_server,
        }[case]
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", url)
        if case == "dns":
            monkeypatch.setattr(socket, "getaddrinfo", _no_dns)
        started = time.monotonic()
        status = cli.main(command)
    assert time.monotonic() - started < 10
    captured = capsys.readouterr()
    if command == ["check"]:
        assert status == 1
        [line] = [line for line in captured.out.splitlines() if line.startswith("FAIL  slack")]
    else:
        assert status == 2
        line = one_line(captured.err)
        assert captured.err.splitlines() == [line]  # slack_sdk's attempts and retries unlogged
    assert expected in line and "Traceback" not in captured.err
    assert "slack_sdk" not in captured.err
    assert "refused SLACK_BOT_TOKEN" not in line


@pytest.mark.parametrize(
    ("token", "error"),
    [("xapp-1-x", "socket_mode_not_enabled"), ("xoxb-not-an-app-token", "not_allowed_token_type")],
)
def test_check_and_serve_agree_on_an_app_token_slack_refuses(
    slack_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token: str,
    error: str,
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", token)
    with SlackStandIn() as slack:  # a workspace whose app has Socket Mode off
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        assert cli.main(["check"]) == 1
        [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("FAIL  slack")]
        assert cli.main(["serve", "--host", "127.0.0.1", "--probe-port", "0"]) == 2
        served = one_line(capsys.readouterr().err)
    assert line.endswith(
        f"but `opsgate serve` would not start: Slack refused SLACK_APP_TOKEN: {error}"
    )
    assert served == f"opsgate: Slack refused SLACK_APP_TOKEN: {error}"
    assert token not in line + served


def test_check_passes_an_app_token_slack_opens_a_connection_for(
    slack_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-x")
    with SlackStandIn(socket_url="ws://127.0.0.1:9/socket") as slack:
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        cli.main(["check"])
        asked = [call.method for call in slack.calls]
    [line] = [x for x in capsys.readouterr().out.splitlines() if "slack:" in x]
    assert line.startswith("ok    slack: token OK") and line.endswith("serve uses Socket Mode")
    assert asked == ["auth.test", "apps.connections.open"]


def test_check_says_an_app_token_slack_rate_limited_was_not_checked(
    slack_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-x")
    limited = "Slack refused SLACK_APP_TOKEN: ratelimited"
    monkeypatch.setattr(checks, "app_token_problem", lambda settings: limited)
    with SlackStandIn() as slack:
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        cli.main(["check"])
    [line] = [x for x in capsys.readouterr().out.splitlines() if "slack:" in x]
    assert line.startswith("ok    slack: token OK")
    assert line.endswith(
        "(SLACK_APP_TOKEN not checked: Slack said ratelimited; check again in a minute)"
    )


def test_serve_with_a_database_in_a_missing_folder_is_one_line(
    slack_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_DB", "/nonexistent/dir/x.db")
    with SlackStandIn() as slack:
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        assert cli.main(["serve", "--http", "--host", "127.0.0.1", "--port", "0"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "/nonexistent/dir/x.db" in line and "OPSGATE_DB" in line


def test_serve_on_a_port_in_use_is_one_line(
    slack_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken, SlackStandIn() as slack:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", slack.api_url)
        assert cli.main(["serve", "--http", "--host", "127.0.0.1", "--port", port]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--port", "99999"), ("--port", "-1"), ("--port", "65536"), ("--probe-port", "70000")],
)
def test_serve_refuses_a_port_out_of_range_as_a_usage_error(
    env: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--http", flag, value])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"opsgate serve: error: argument {flag}: '{value}' is not a port: "
        "give a whole number from 0 to 65535 (see: opsgate serve --help)\n"
    )


@pytest.mark.parametrize(
    ("words", "said"),
    [
        (
            ["audit", "export", "--format", "xml"],
            "opsgate audit export: error: argument --format: invalid choice: 'xml'",
        ),
        (
            ["audit", "export", "--since", "-1h"],
            "opsgate audit export: error: argument --since: expected one argument; "
            "a value starting with '-' is written --since=<value>",
        ),
        (["db", "copy", "--to", "x.db"], "opsgate db copy: error: the following arguments"),
        (["nonsense"], "opsgate: error: argument COMMAND: invalid choice: 'nonsense'"),
    ],
    ids=["choice", "missing value", "missing option", "unknown command"],
)
def test_a_usage_error_is_one_line_naming_the_help(
    env: Path, capsys: pytest.CaptureFixture[str], words: list[str], said: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(words)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(said)
    assert err.count("\n") == 1 and err.endswith(f"(see: {said.split(': error')[0]} --help)\n")


@pytest.mark.parametrize(("text", "port"), [("0", 0), ("3000", 3000), ("65535", 65535)])
def test_every_port_from_0_to_65535_is_taken(text: str, port: int) -> None:
    assert port_number(text) == port


def test_a_broken_plugin_or_vendor_setting_does_not_keep_anyone_from_the_audit_log(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit, db and manifest call no vendor: they load no plugin and read no vendor setting."""

    def broken() -> NoReturn:
        raise PluginError("vendor plugin 'acme' (…) failed to import: ModuleNotFoundError")

    monkeypatch.setattr(sys.modules["bot.cli.main"], "installed_plugins", broken)
    monkeypatch.setenv("OPSGATE_HUAWEI__CLIENT_CERT", "/nonexistent.pem")
    monkeypatch.setenv("OPSGATE_NOPE__TOKEN", "x")
    assert cli.main(["db", "migrate"]) == 0
    for command in (["audit", "verify"], ["audit", "head"], ["audit", "export"], ["manifest"]):
        assert cli.main(command) == 0, command
    capsys.readouterr()
    assert cli.main(["check"]) == 2  # commands that call vendors still refuse to start
    assert "failed to import" in capsys.readouterr().err
    monkeypatch.setenv("OPSGATE_WORKERZ", "3")  # opsgate's own settings are still checked
    assert cli.main(["audit", "head"]) == 2
    assert "OPSGATE_WORKERZ: unknown setting" in capsys.readouterr().err


def test_the_consoles_transcript_holds_no_retry_log_lines(env: Path) -> None:
    """A configured vendor that cannot be reached: the card says so; the retries that led
    there are the log's business, and their WARNING lines broke into the conversation."""
    script = "/ops enos ota-job delete otajob-7d2c1e --org o15724268424841 --dry-run\n"
    finished = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input=script,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(SOURCE_TREE),
            "OPSGATE_CONSOLE_HISTORY": "",
            "OPSGATE_ENOS__BASE_URL": "http://127.0.0.1:9",  # nothing listens there
            "OPSGATE_ENOS__APP_KEY": "app-key",
            "OPSGATE_ENOS__APP_SECRET": "app-secret",
        },
        timeout=120,
        check=False,
    )
    assert "could not connect to enos" in finished.stdout
    assert "stamina" not in finished.stdout + finished.stderr


def test_a_request_to_slack_failing_unforeseen_is_one_line_without_its_headers(
    slack_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def header_refused(self: object, method: str) -> NoReturn:
        raise ValueError("Invalid header value b'Bearer xoxb-test'")

    monkeypatch.setattr(preflight.WebClient, "api_call", header_refused)
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.startswith("FAIL  slack")]
    assert line.endswith(
        "could not ask Slack with SLACK_BOT_TOKEN: the request failed (ValueError)"
    )
    assert cli.main(["serve", "--http"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "xoxb-test" not in out + err
