"""The IoT platform serves its northbound API over HTTPS only (the Deleting a Device page:
"Transport Protocol: HTTPS"; VENDORS.md §3: mutual TLS on port 8743), and the login sends the
application's secret itself in its body. A plain-http base URL beside the TLS files is a certain
mistake (they would go unused), refused when the settings are built, before any login could send
the secret in clear text; without them it may be a proxy that adds TLS, so it is warned about
unless it names this machine (a simulator, a test).
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from certs import write_cert_files
from pydantic import SecretStr, ValidationError

from adapters.huawei.adapter import HuaweiAdapter
from adapters.huawei.plugin import PLUGIN
from adapters.huawei.settings import HuaweiSettings
from adapters.registry import Plugins, build_adapters

SECRET = "s3cret-value"


def settings(base_url: str, **tls: Path) -> HuaweiSettings:
    return HuaweiSettings(
        base_url=base_url,
        app_id="a",
        secret=SecretStr(SECRET),
        client_cert=tls.get("client_cert"),
        client_key=tls.get("client_key"),
        ca_bundle=tls.get("ca_bundle"),
    )


@pytest.mark.parametrize("field", ["client_cert", "ca_bundle"])
@pytest.mark.parametrize(
    "base_url", ["http://oc.example.com", "http://oc.example.com:8743", "http://127.0.0.1:9"]
)
def test_plain_http_beside_the_tls_files_is_refused_naming_the_setting(
    tmp_path: Path, base_url: str, field: str
) -> None:
    files = write_cert_files(tmp_path)
    tls = {"client_cert": files.cert, "client_key": files.key}
    with pytest.raises(ValidationError) as caught:
        settings(base_url, **(tls if field == "client_cert" else {"ca_bundle": files.cert}))
    [error] = caught.value.errors()
    assert error["type"] == "http_url"
    assert (error.get("ctx") or {})["field"] == "base_url"
    assert error["msg"].startswith("must be an https:// URL when the TLS files are set")
    assert SECRET not in str(caught.value)


def test_https_beside_the_tls_files_is_accepted(tmp_path: Path) -> None:
    files = write_cert_files(tmp_path)
    built = settings("https://oc.example.com", client_cert=files.cert, client_key=files.key)
    assert built.client_cert == files.cert


def test_nothing_is_sent_in_clear_text_when_the_tls_files_are_set(tmp_path: Path) -> None:
    files = write_cert_files(tmp_path)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(401, json={"error_code": "100208", "error_desc": "no"})

    with pytest.raises(ValidationError):
        config = settings("http://oc.example.com:8743", ca_bundle=files.cert)
        client = httpx.Client(transport=httpx.MockTransport(handler))
        HuaweiAdapter(config=config, client=client).check()
    assert sent == []


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("http://oc.example.com", True),
        ("HTTP://10.0.0.5:8743/", True),
        ("http://127.0.0.1:8743", False),
        ("http://localhost:9", False),
        ("http://[::1]:80", False),
        ("https://oc.example.com", False),
    ],
)
def test_plain_http_to_another_machine_is_warned_about_at_connect(
    caplog: pytest.LogCaptureFixture, base_url: str, warned: bool
) -> None:
    with caplog.at_level(logging.WARNING):
        build_adapters(Plugins.of(PLUGIN), {"huawei": settings(base_url)}, sandbox=False).close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warnings) is warned
    assert all("unencrypted" in w and SECRET not in w for w in warnings)
