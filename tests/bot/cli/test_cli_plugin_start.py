"""A plugin whose `connect` or `sandbox` raises: `check` reports that vendor as FAIL and goes on;
`console` and `serve` stop with one line naming the plugin, exit 2. Never a traceback, and never
the vendor's secret settings, though the plugin put its key in the error's text."""

from __future__ import annotations

import io
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_plugins import install_dist

from adapters.registry import installed_plugins
from bot import cli

KEY = "gx-live-4f1c9a0d"
PLUGIN_MODULE = """
    from fake_plugins import vendor_plugin

    def connect(settings, clock):
        raise RuntimeError("globex refused token " + settings.token.get_secret_value())

    def sandbox(clock):
        raise FileNotFoundError(2, "No such file or directory", "/nonexistent/ca.pem")

    PLUGIN = vendor_plugin("globex", connect=connect, sandbox=sandbox)
"""
WHERE = "vendor plugin 'globex' (entry point globex = raising_plugin:PLUGIN in opsgate-globex 1.0)"
CONNECT = f"{WHERE} failed to connect: RuntimeError: globex refused token ****"
SANDBOX = (
    f"{WHERE} failed to build its sandbox: FileNotFoundError: [Errno 2] No such file or "
    "directory: '/nonexistent/ca.pem'"
)


@pytest.fixture
def env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The clean environment in its own directory, with the raising plugin installed."""
    monkeypatch.chdir(env)
    install_dist(
        env / "site",
        "opsgate-globex",
        entry_points={"globex": "raising_plugin:PLUGIN"},
        modules={"raising_plugin.py": PLUGIN_MODULE},
    )
    monkeypatch.syspath_prepend(str(env / "site"))
    installed_plugins.cache_clear()
    yield env
    installed_plugins.cache_clear()
    sys.modules.pop("raising_plugin", None)


def configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGATE_GLOBEX__BASE_URL", "https://globex.example")
    monkeypatch.setenv("OPSGATE_GLOBEX__TOKEN", KEY)


@pytest.mark.parametrize("configured", [True, False], ids=["connect", "sandbox"])
def test_check_reports_the_vendor_as_failed_and_checks_the_others(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], configured: bool
) -> None:
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")
    if configured:
        configure(monkeypatch)
    assert cli.main(["check"]) == 1
    out, err = capsys.readouterr()
    report = out.split("\n\n")[0].splitlines()
    [globex] = [line for line in report if line.startswith("FAIL  globex")]
    label = "globex" if configured else "globex (sandbox)"
    assert globex == f"FAIL  {label}: {CONNECT if configured else SANDBOX}"
    for vendor in ("aliyun", "enos", "huawei", "servicepower"):  # still reached, after globex
        assert any(line.startswith(f"ok    {vendor} (sandbox): ") for line in report), out
    assert "Traceback" not in err and KEY not in out + err


@pytest.mark.parametrize("configured", [True, False], ids=["connect", "sandbox"])
def test_the_console_stops_with_one_line_naming_the_plugin(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], configured: bool
) -> None:
    if configured:
        configure(monkeypatch)
    monkeypatch.setattr(sys, "stdin", io.StringIO("quit\n"))
    standins = len(standin_threads())
    assert cli.main(["console"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"opsgate: {CONNECT if configured else SANDBOX}\n"
    assert KEY not in captured.out
    # The stand-in Slack started before the app was built is stopped again, as is the database.
    assert len(standin_threads()) == standins
    assert not (env / "opsgate-console.db-wal").exists()


def standin_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "slack-standin"]


def test_serve_stops_with_one_line_naming_the_plugin(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-serve")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "serve-secret")
    assert cli.main(["serve", "--http", "--port", "0"]) == 2
    captured = capsys.readouterr()
    [line] = [line for line in captured.err.splitlines() if line.startswith("opsgate: ")]
    assert line == f"opsgate: {CONNECT}"
    assert "Traceback" not in captured.err and KEY not in captured.out + captured.err
    # The database it opened first is closed again (closed cleanly, SQLite leaves no WAL).
    assert (env / "opsgate.db").exists() and not (env / "opsgate.db-wal").exists()


CHECK_MODULE = """
    from fake_plugins import FakeAdapter, vendor_plugin

    class Broken(FakeAdapter):
        def check(self):
            raise KeyError("status for token " + self.settings.token.get_secret_value())

    def connect(settings, clock):
        return Broken(vendor="globex", settings=settings)

    PLUGIN = vendor_plugin("globex", connect=connect)
"""


def test_a_plugin_whose_check_raises_is_that_vendor_s_fail_and_the_rest_are_checked(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "site" / "raising_plugin.py").write_text(textwrap.dedent(CHECK_MODULE))
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")
    configure(monkeypatch)
    assert cli.main(["check"]) == 1
    out, err = capsys.readouterr()
    report = out.split("\n\n")[0].splitlines()
    [globex] = [line for line in report if line.startswith("FAIL  globex")]
    said = "its plugin failed checking it: KeyError: 'status for token ****'"
    assert globex == f"FAIL  globex: {said}"
    assert any(line.startswith("ok    servicepower (sandbox): ") for line in report), out
    assert "Traceback" not in err and KEY not in out + err


CHECK_LINE_MODULE = """
    from fake_plugins import FakeAdapter, vendor_plugin

    class Careless(FakeAdapter):
        def check(self):
            return ANSWER(self.settings.token.get_secret_value())

    def connect(settings, clock):
        return Careless(vendor="globex", settings=settings)

    PLUGIN = vendor_plugin("globex", connect=connect)
"""


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("lambda token: 'Globex took token ' + token", "ok    globex: Globex took token ****"),
        ("lambda token: None", "FAIL  globex: its plugin failed checking it: TypeError: its check "
         "returned NoneType, not a line of text"),
        # One line each: a line break cannot forge another check's line, nor an escape
        # sequence drive the terminal (both could come from a vendor's answer).
        ("lambda token: 'Globex ok\\nok    slack: forged\\x1b[2J'",
         "ok    globex: Globex ok ⏎ ok    slack: forged\ufffd[2J"),
    ],
)  # fmt: skip
def test_a_check_line_never_shows_a_secret_and_must_be_text(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    shown: str,
) -> None:
    module = textwrap.dedent(CHECK_LINE_MODULE).replace("ANSWER", f"({answer})")
    (env / "site" / "raising_plugin.py").write_text(module)
    configure(monkeypatch)
    cli.main(["check"])
    out, err = capsys.readouterr()
    assert shown in out.splitlines()
    assert "Traceback" not in err and KEY not in out + err


EXITING_MODULE = """
    import sys

    from fake_plugins import FakeAdapter, vendor_plugin

    class Exiting(FakeAdapter):
        def check(self):
            sys.exit(7)  # a vendor SDK's command-line habit

    def connect(settings, clock):
        if WHERE == "connect":
            sys.exit("usage: globex-sdk [-h]")
        return Exiting(vendor="globex", settings=settings)

    PLUGIN = vendor_plugin("globex", connect=connect)
"""


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("connect", f"{WHERE} failed to connect: SystemExit: usage: globex-sdk [-h]"),
        ("check", "its plugin failed checking it: SystemExit: 7"),
    ],
)
def test_a_plugin_that_calls_sys_exit_is_that_vendor_s_fail_not_opsgate_s_exit(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
    said: str,
) -> None:
    module = textwrap.dedent(EXITING_MODULE).replace("WHERE", repr(where))
    (env / "site" / "raising_plugin.py").write_text(module)
    monkeypatch.setenv("OPSGATE_SANDBOX", "1")
    configure(monkeypatch)
    assert cli.main(["check"]) == 1  # the report's status, not the plugin's 7
    out, err = capsys.readouterr()
    report = out.split("\n\n")[0].splitlines()
    assert f"FAIL  globex: {said}" in report
    assert any(line.startswith("ok    servicepower (sandbox): ") for line in report), out
    assert "Traceback" not in err


def test_a_short_secret_in_a_check_line_is_masked_where_it_stands_not_inside_words(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = "lambda token: 'Globex took token ' + token + ' (token=' + token + ')'"
    module = textwrap.dedent(CHECK_LINE_MODULE).replace("ANSWER", f"({answer})")
    (env / "site" / "raising_plugin.py").write_text(module)
    monkeypatch.setenv("OPSGATE_GLOBEX__BASE_URL", "https://globex.example")
    monkeypatch.setenv("OPSGATE_GLOBEX__TOKEN", "tok")
    cli.main(["check"])
    out, _ = capsys.readouterr()
    assert "ok    globex: Globex took token **** (token=****)" in out.splitlines()
