"""Which vendors warn at start-up about a plain-http URL to another machine, and why.

ServicePower: every call carries ``Authorization: Bearer`` (the system access token, or a JWT
whose request sends ``ClientSecret`` in its body; VENDORS.md §4), so a listener on the way holds
a credential: warned about, naming ``OPSGATE_SERVICEPOWER__BASE_URL`` and never the secret. Huawei
warns too (its login sends the secret: tests/adapters/huawei/test_https_only.py). EnOS (the token
request sends a SHA-256 of key, timestamp and secret; each call is signed with the secret besides
its token) and Alibaba Cloud (HMAC-signed, with a nonce) send no credential that works alone: they
stay silent. This machine (a simulator, a test) is silent for every vendor.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.aliyun.plugin import PLUGIN as ALIYUN
from adapters.aliyun.settings import AliyunSettings
from adapters.clock import SYSTEM_CLOCK
from adapters.enos.plugin import PLUGIN as ENOS
from adapters.enos.settings import EnosSettings
from adapters.plugin import VendorPlugin
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
    with caplog.at_level(logging.WARNING):
        plugin.connect(settings, SYSTEM_CLOCK).close()
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
