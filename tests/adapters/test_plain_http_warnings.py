"""Which vendors warn at start-up about a plain-http URL to another machine, and why.

ServicePower: every call carries ``Authorization: Bearer`` (the system access token, or a JWT
whose request sends ``ClientSecret`` in its body; VENDORS.md §4), so a listener on the way holds
a credential: warned about, naming ``OPSGATE_SERVICEPOWER__BASE_URL`` and never the secret. Huawei
warns too (its login sends the secret: tests/adapters/huawei/test_https_only.py). EnOS (the token
request sends a SHA-256 of key, timestamp and secret; each call is signed with the secret besides
its token) and Alibaba Cloud (HMAC-signed, with a nonce) send no credential that works alone: they
stay silent. This machine (a simulator, a test) is silent for every vendor.

opsgate says it before it calls any plugin's `connect` (`adapters.building`), so a plugin that
declares `credential_urls` warns without a word of its own code, and one that still calls
`warn_if_in_clear` from its `connect`, as plugins once had to, warns once, not twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from fake_plugins import FakeAdapter, GlobexSettings, vendor_plugin
from pydantic import SecretStr

from adapters.aliyun.plugin import PLUGIN as ALIYUN
from adapters.aliyun.settings import AliyunSettings
from adapters.cleartext import warn_if_in_clear
from adapters.clock import Clock
from adapters.enos.plugin import PLUGIN as ENOS
from adapters.enos.settings import EnosSettings
from adapters.plugin import VendorPlugin
from adapters.registry import Plugins, build_adapters
from adapters.servicepower.plugin import PLUGIN as SERVICEPOWER
from adapters.servicepower.settings import ServicePowerSettings
from adapters.settings import VendorSettings

SECRET = "sp-secret-DO-NOT-LEAK"
CREDENTIALS = {
    "token": {"token": SecretStr(SECRET)},
    "client credentials": {"client_id": "opsgate", "client_secret": SecretStr(SECRET)},
}


def warnings_at_connect(
    plugin: VendorPlugin[Any], settings: VendorSettings, caplog: pytest.LogCaptureFixture
) -> list[str]:
    """What is logged as opsgate builds `plugin`'s adapter from `settings`, as `serve` does."""
    with caplog.at_level(logging.WARNING):
        build_adapters(Plugins.of(plugin), {plugin.name: settings}, sandbox=True).close()
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("credentials", CREDENTIALS.values(), ids=list(CREDENTIALS))
@pytest.mark.parametrize(
    "base_url", ["http://servicebroker.example.com", "HTTP://10.0.0.5:8080/", "http://[fd00::5]"]
)
def test_servicepower_over_plain_http_to_another_machine_is_warned_about_once(
    caplog: pytest.LogCaptureFixture, base_url: str, credentials: dict[str, Any]
) -> None:
    settings = ServicePowerSettings(base_url=base_url, **credentials)
    [warning] = warnings_at_connect(SERVICEPOWER, settings, caplog)
    assert warning.startswith("OPSGATE_SERVICEPOWER__BASE_URL is plain http to another machine")
    assert "bearer token" in warning and "unencrypted" in warning and "https://" in warning
    assert SECRET not in caplog.text


@pytest.mark.parametrize("credentials", CREDENTIALS.values(), ids=list(CREDENTIALS))
@pytest.mark.parametrize(
    "base_url",
    [
        "https://servicebroker.example.com",
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://[::1]",
    ],
)
def test_servicepower_over_https_or_on_this_machine_is_silent(
    caplog: pytest.LogCaptureFixture, base_url: str, credentials: dict[str, Any]
) -> None:
    settings = ServicePowerSettings(base_url=base_url, **credentials)
    assert warnings_at_connect(SERVICEPOWER, settings, caplog) == []


def test_signed_vendors_send_no_usable_credential_so_plain_http_is_not_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    enos = EnosSettings(
        base_url="http://apim.example.com", app_key="k", app_secret=SecretStr(SECRET)
    )
    aliyun = AliyunSettings(
        endpoint="http://iot.example.com",
        region_id="cn-shanghai",
        access_key_id="LTAI-id",
        access_key_secret=SecretStr(SECRET),
    )
    assert warnings_at_connect(ENOS, enos, caplog) == []
    assert warnings_at_connect(ALIYUN, aliyun, caplog) == []


class CarryingSettings(GlobexSettings):
    credential_urls: ClassVar[Mapping[str, str]] = {"base_url": "every call sends the token"}


CARRYING = {"base_url": "http://globex.example", "token": SecretStr(SECRET)}
GLOBEX_WARNING = (
    "OPSGATE_GLOBEX__BASE_URL is plain http to another machine: every call sends the token "
    "unencrypted unless a proxy on the way adds TLS (use https://)"
)


def test_a_plugin_that_does_nothing_about_it_is_warned_about_by_opsgate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    plugin = vendor_plugin("globex", settings=CarryingSettings)  # its connect warns of nothing
    warned = warnings_at_connect(plugin, CarryingSettings(**CARRYING), caplog)
    assert warned == [GLOBEX_WARNING]
    assert SECRET not in caplog.text


def test_a_plugin_that_still_warns_itself_is_warned_about_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def connect(settings: CarryingSettings, clock: Clock) -> FakeAdapter:
        warn_if_in_clear(settings, "globex")  # as docs/plugins.md once asked
        return FakeAdapter(vendor="globex", settings=settings)

    plugin = vendor_plugin("globex", settings=CarryingSettings, connect=connect)
    warned = warnings_at_connect(plugin, CarryingSettings(**CARRYING), caplog)
    assert warned == [GLOBEX_WARNING]


def test_warn_if_in_clear_called_outside_opsgates_start_still_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A plugin's own test of its `connect`, say.
    with caplog.at_level(logging.WARNING):
        warn_if_in_clear(CarryingSettings(**CARRYING), "globex")
    assert [r.getMessage() for r in caplog.records] == [GLOBEX_WARNING]
