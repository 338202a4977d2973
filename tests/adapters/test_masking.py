"""A dry run never shows a credential header's value, even from a plugin whose `describe`
forgot to name it as secret: the scheme stays, the credential is masked."""

from __future__ import annotations

import base64

import httpx
import pytest

from adapters.base import VendorCall
from adapters.masking import MASK, hide_credential, hide_secret, hide_secrets


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", "Bearer widget-token", "Bearer ****"),
        ("authorization", "Basic dXNlcjpwYXNz", "Basic ****"),
        ("Authorization", "widget-token", MASK),
        ("Proxy-Authorization", "Basic dXNlcjpwYXNz", "Basic ****"),
        ("Cookie", "session=abc", MASK),
        ("X-Api-Key", "k-123", MASK),
        ("Authorization", "Bearer ****", "Bearer ****"),  # masked by the plugin already
        ("Accept", "application/json", "application/json"),
        ("X-Request-Id", "r-1", "r-1"),
    ],
)
def test_credential_headers_are_masked_keeping_the_scheme(
    name: str, value: str, shown: str
) -> None:
    assert hide_credential(name, value) == shown


def test_a_describe_that_forgot_its_secret_headers_still_masks_the_token() -> None:
    request = httpx.Request(
        "DELETE",
        "https://api.widget.example/boxes/b-1",
        headers={"Authorization": "Bearer widget-token", "X-Trace": "t-1"},
    )
    call = VendorCall.from_request(request)  # no secret_headers: the plugin's mistake
    assert "widget-token" not in call.model_dump_json()
    assert call.headers["authorization"] == "Bearer ****"
    assert call.headers["x-trace"] == "t-1"


def test_a_vendor_call_built_by_hand_is_masked_too() -> None:
    call = VendorCall(method="GET", url="https://x.example/", headers={"X-Api-Key": "k-123"})
    assert call.headers == {"X-Api-Key": MASK}


SECRET = "s3cr3t+/=&Key<é"


@pytest.mark.parametrize(
    "echoed",
    [
        r"s3cr3t+\/=&Key<\u00e9",  # JSON that escapes "/" (PHP's and Java's default)
        r"s3cr3t\u002B/=\u0026Key\u003C\u00E9",  # .NET's System.Text.Json default encoder
        "s3cr3t%2b%2f%3d%26Key%3c%c3%a9",  # percent-encoding in lower case
        "s3cr3t+/=&amp;Key&lt;é",  # an HTML error page quoting the request
    ],
)
def test_a_secret_echoed_in_another_common_escaping_is_masked(echoed: str) -> None:
    """A login endpoint echoing the refused request as its own stack writes it."""
    shown = hide_secret(f"bad request: secret={echoed}&appId=app-1", SECRET)
    assert shown == f"bad request: secret={MASK}&appId=app-1"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("system access token configured", "system access token configured"),
        ("token=tok&tok2=tokens", "token=****&tok2=tokens"),
        ('{"token":"tok"} tok. (tok)', '{"token":"****"} ****. (****)'),
        ("stock tok_x x_tok tok", "stock tok_x x_tok ****"),
    ],
)
def test_a_short_secret_is_masked_where_it_stands_whole_not_inside_words(
    text: str, shown: str
) -> None:
    assert hide_secrets(text, ["tok"]) == shown


def test_a_short_secret_is_masked_inside_base64_and_a_long_one_inside_words() -> None:
    basic = base64.b64encode(b"user:s3cr").decode()  # a Basic header's credential
    assert hide_secrets(f"Basic {basic}", ["s3cr"]) == f"Basic {basic[:7]}{MASK}"
    assert hide_secrets("keys3cr3t-long-key9", ["s3cr3t-long-key"]) == f"key{MASK}9"
