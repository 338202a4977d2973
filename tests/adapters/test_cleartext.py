"""One implementation of "plain http to another machine" for every plugin (`adapters.cleartext`):
a URL whose requests carry a credential (`VendorSettings.credential_urls`) is warned about in one
line naming its setting, never its value; this machine (a simulator, a test) stays silent."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar

import pytest
from fake_plugins import GlobexSettings
from pydantic import SecretStr

from adapters.cleartext import (
    in_clear_to_another_host,
    in_clear_warnings,
    plain_http,
    this_machine,
    warn_if_in_clear,
)

TOKEN = "gx-live-DO-NOT-LEAK"


class CarryingSettings(GlobexSettings):
    credential_urls: ClassVar[Mapping[str, str]] = {"base_url": "every call sends the token"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://api.example.com", True),
        ("HTTP://api.example.com", True),
        (" http://api.example.com ", True),
        ("https://api.example.com", False),
        (None, False),
    ],
)
def test_plain_http(url: str | None, expected: bool) -> None:
    assert plain_http(url) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("localhost.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.0.0.5", False),
        ("api.example.com", False),
        ("localhost.example.com", False),
        # Not addresses: names the resolver is asked about (DNS, which may answer anything).
        ("127.0.0.1.", False),
        ("localhost..", False),
        (None, False),
    ],
)
def test_this_machine(host: str | None, expected: bool) -> None:
    assert this_machine(host) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://api.example.com", True),
        ("http://10.0.0.5:8080/api", True),
        ("http://[fd00::5]:80", True),
        ("http://127.0.0.1.:8080", True),
        ("http://127.0.0.1:9", False),
        ("http://localhost", False),
        ("http://[::1]:80", False),
        ("https://api.example.com", False),
        (None, False),
    ],
)
def test_in_clear_to_another_host(url: str | None, expected: bool) -> None:
    assert in_clear_to_another_host(url) is expected


def test_a_declared_url_in_clear_is_named_with_what_it_carries_never_the_secret() -> None:
    settings = CarryingSettings(base_url="http://globex.example", token=SecretStr(TOKEN))
    assert in_clear_warnings(settings, "globex") == [
        "OPSGATE_GLOBEX__BASE_URL is plain http to another machine: every call sends the token "
        "unencrypted unless a proxy on the way adds TLS (use https://)"
    ]


@pytest.mark.parametrize("url", ["https://globex.example", "http://127.0.0.1:8080", None])
def test_https_this_machine_or_no_url_is_silent(url: str | None) -> None:
    settings = CarryingSettings(base_url=url, token=SecretStr(TOKEN) if url else None)
    assert in_clear_warnings(settings, "globex") == []


def test_a_url_no_credential_rides_is_silent() -> None:
    settings = GlobexSettings(base_url="http://globex.example", token=SecretStr(TOKEN))
    assert in_clear_warnings(settings, "globex") == []


def test_the_warning_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    settings = CarryingSettings(base_url="http://globex.example", token=SecretStr(TOKEN))
    with caplog.at_level(logging.WARNING, logger="adapters.cleartext"):
        warn_if_in_clear(settings, "globex")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("OPSGATE_GLOBEX__BASE_URL is plain http")
    assert TOKEN not in caplog.text
