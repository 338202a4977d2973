"""`opsgate check` says what `serve` warns about at start-up: a URL whose requests carry a
credential (`VendorSettings.credential_urls`) that is plain http to another machine. Said once,
in the report (not also logged between its lines), on a `warn` line of its own after the
vendor's, naming the vendor, the URL and its setting, and that the check itself has just called
it; never the secret. The plugin does nothing for it (it does not call `warn_if_in_clear`);
https, or this machine (a simulator, a test), adds nothing."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_plugins import install_dist

from adapters.registry import build_adapters, installed_plugins
from bot import cli

KEY = "gx-live-4f1c9a0d"
PLUGIN_MODULE = """
    from collections.abc import Mapping
    from typing import ClassVar

    import httpx
    from fake_plugins import FakeAdapter, GlobexSettings, vendor_plugin

    from adapters.http import send, vendor_client


    class CarryingSettings(GlobexSettings):
        credential_urls: ClassVar[Mapping[str, str]] = {"base_url": "every call sends the token"}


    class CheckingAdapter(FakeAdapter):
        # Its check calls the base URL, as `region` says: with the token in a header ("eu"),
        # in a login's body ("login"), without it ("bare"), or never connecting ("down").

        def check(self):
            region, token = self.settings.region, self.settings.token.get_secret_value()

            def answer(request):
                if region == "down":
                    raise httpx.ConnectError("connection refused", request=request)
                return httpx.Response(200)

            headers = {"Authorization": f"Bearer {token}"} if region == "eu" else {}
            body = {"secret": token} if region == "login" else None
            with vendor_client(self.settings, transport=httpx.MockTransport(answer)) as client:
                request = client.build_request(
                    "POST", self.settings.base_url, headers=headers, json=body
                )
                send(client, request, vendor="globex", mutating=False)
            return "ok"


    def connect(settings, clock):
        return CheckingAdapter(vendor="globex", settings=settings)


    PLUGIN = vendor_plugin("globex", settings=CarryingSettings, connect=connect)
"""
WARNING = (
    "OPSGATE_GLOBEX__BASE_URL is plain http to another machine: every call sends the "
    "token unencrypted unless a proxy on the way adds TLS (use https://)"
)


@pytest.fixture
def env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The clean environment, with a plugin whose base URL carries its token installed."""
    monkeypatch.chdir(env)
    install_dist(
        env / "site",
        "opsgate-globex",
        entry_points={"globex": "carrying_plugin:PLUGIN"},
        modules={"carrying_plugin.py": PLUGIN_MODULE},
    )
    monkeypatch.syspath_prepend(str(env / "site"))
    installed_plugins.cache_clear()
    yield env
    installed_plugins.cache_clear()
    sys.modules.pop("carrying_plugin", None)


def globex_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> list[str]:
    monkeypatch.setenv("OPSGATE_GLOBEX__BASE_URL", url)
    monkeypatch.setenv("OPSGATE_GLOBEX__TOKEN", KEY)
    cli.main(["check"])
    out, err = capsys.readouterr()
    assert "plain http" not in err and KEY not in out + err
    return [x for x in out.split("\n\n")[0].splitlines() if x[6:].startswith("globex")]


def test_check_says_a_credential_url_in_clear_on_a_line_of_its_own(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = globex_lines(monkeypatch, capsys, "http://globex.example/v1")
    assert lines == [
        "ok    globex: ok",
        "warn  globex: http://globex.example/v1 (OPSGATE_GLOBEX__BASE_URL) is plain http to "
        "another machine: every call sends the token unencrypted unless a proxy on the way adds "
        "TLS (use https://); this check called it too",
    ]


@pytest.mark.parametrize(
    ("region", "called"),
    [("login", True), ("bare", False), ("down", False)],
    ids=["secret-in-body", "no-credential", "never-connected"],
)
def test_check_says_it_called_the_url_only_when_its_call_went_out_with_a_credential(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    region: str,
    called: bool,
) -> None:
    """A check that never connected, or sent no credential (a reachability GET), did not put
    one on the wire: the warning stands (it is what `serve` sends), the claim does not."""
    monkeypatch.setenv("OPSGATE_GLOBEX__REGION", region)
    [_, warning] = globex_lines(monkeypatch, capsys, "http://globex.example/v1")
    assert warning.startswith("warn  globex: http://globex.example/v1 (OPSGATE_GLOBEX__BASE_URL)")
    assert warning.endswith("(use https://); this check called it too") is called
    assert warning.endswith("(use https://)") is not called


def test_a_warning_is_not_counted_as_a_check(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_GLOBEX__BASE_URL", "http://globex.example")
    monkeypatch.setenv("OPSGATE_GLOBEX__TOKEN", KEY)
    with_warning = cli.main(["check"])
    summary = capsys.readouterr().out.split("\n\n")[1]
    monkeypatch.setenv("OPSGATE_GLOBEX__BASE_URL", "https://globex.example")
    assert cli.main(["check"]) == with_warning
    assert capsys.readouterr().out.split("\n\n")[1] == summary


@pytest.mark.parametrize(
    "url", ["https://globex.example", "http://127.0.0.1:9", "http://localhost"]
)
def test_check_adds_nothing_for_https_or_this_machine(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    assert globex_lines(monkeypatch, capsys, url) == ["ok    globex: ok"]


def test_after_check_the_warning_is_logged_again(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`check` quiets the log only while it builds the adapters, then puts its level back."""
    globex_lines(monkeypatch, capsys, "http://globex.example")
    caplog.clear()
    globex = installed_plugins().by_name["globex"]
    settings = globex.settings(base_url="http://globex.example", token=KEY)
    with caplog.at_level(logging.WARNING):
        build_adapters(installed_plugins(), {"globex": settings}, sandbox=False).close()
    assert [r.getMessage() for r in caplog.records] == [WARNING]
