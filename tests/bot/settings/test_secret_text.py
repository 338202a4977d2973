"""Secrets no HTTP header can carry, and text the environment could not decode: refused at load
in one line naming the setting, never showing the value."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from settings_errors import settings_error as _error

from bot.settings import load_settings
from bot.settings.checks import explain
from bot.settings.origin import Sources

VENDORS = {
    "OPSGATE_ENOS__APP_SECRET": {
        "OPSGATE_ENOS__BASE_URL": "https://apim.enos.example",
        "OPSGATE_ENOS__APP_KEY": "enos-key",
    },
    "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": {
        "OPSGATE_ALIYUN__ENDPOINT": "https://iot.cn-beijing.aliyuncs.com",
        "OPSGATE_ALIYUN__REGION_ID": "cn-beijing",
        "OPSGATE_ALIYUN__ACCESS_KEY_ID": "LTAIkeyid",
    },
    "OPSGATE_HUAWEI__SECRET": {
        "OPSGATE_HUAWEI__BASE_URL": "https://oc.huawei.example:8743",
        "OPSGATE_HUAWEI__APP_ID": "huawei-app",
    },
    "OPSGATE_SERVICEPOWER__CLIENT_SECRET": {
        "OPSGATE_SERVICEPOWER__BASE_URL": "http://127.0.0.1:8080",
        "OPSGATE_SERVICEPOWER__CLIENT_ID": "sp-client",
    },
}
HUAWEI = {
    "OPSGATE_HUAWEI__BASE_URL": "https://h.example/",
    "OPSGATE_HUAWEI__APP_ID": "a",
    "OPSGATE_HUAWEI__SECRET": "s",
    "OPSGATE_HUAWEI__CLIENT_CERT": "cert.pem",
    "OPSGATE_HUAWEI__CLIENT_KEY": "key.pem",
    "OPSGATE_HUAWEI__CA_BUNDLE": "cert.pem",
}
#: Each bad secret (holding Zq7 and Kw9, which no message says) and what the error says of it.
#: No secret may be any of these.
NEVER = [
    ("xoxb-Zq7\nKw9123", "must be one line: it holds a line break"),
    ("xoxb-\udcff\udcfeZq7Kw9", "is not valid UTF-8"),
    ("xoxb-Zq7\tKw9", "must not hold control characters"),
    ("xoxb-Zq7\x1bKw9", "must not hold control characters"),
]
#: A secret a request carries in a header (the Slack ones) may not be these either.
NOT_IN_A_HEADER = [
    ("xoxb-Zq7Kw9123\u2026", "must be ASCII"),
    ("xoxb-Zq7 Kw9", "must not hold spaces"),
]


def _shows_none_of_it(message: str) -> bool:
    return not any(piece in message for piece in ("Zq7", "Kw9", "\udcff"))


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"])
@pytest.mark.parametrize(("value", "why"), NEVER + NOT_IN_A_HEADER)
def test_a_slack_secret_no_header_can_carry_is_refused_unshown(
    name: str, value: str, why: str
) -> None:
    message = _error({name: value})
    assert message.startswith(f"{name} (") and why in message
    assert "\n" not in message and _shows_none_of_it(message)


@pytest.mark.parametrize("name", sorted(VENDORS))
@pytest.mark.parametrize(("value", "why"), NEVER)
def test_a_vendor_secret_no_header_can_carry_is_refused_unshown(
    name: str, value: str, why: str
) -> None:
    message = _error({**VENDORS[name], name: value})
    assert message.startswith(f"{name} (") and why in message
    assert "\n" not in message and _shows_none_of_it(message)


@pytest.mark.parametrize(("value", "why"), NOT_IN_A_HEADER)
def test_a_vendor_secret_sent_in_a_header_is_printable_ascii(value: str, why: str) -> None:
    name = "OPSGATE_SERVICEPOWER__TOKEN"
    message = _error({"OPSGATE_SERVICEPOWER__BASE_URL": "http://127.0.0.1:8080", name: value})
    assert message.startswith(f"{name} (") and why in message and _shows_none_of_it(message)


def test_a_vendor_secret_sent_otherwise_may_hold_spaces_and_other_letters() -> None:
    environ = {**VENDORS["OPSGATE_HUAWEI__SECRET"], "OPSGATE_HUAWEI__SECRET": "pass wörd\n"}
    assert load_settings(environ).huawei.secret == SecretStr("pass wörd")


def test_a_secret_read_with_its_last_line_break_is_taken_without_it() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-ok\r\n", "SLACK_APP_TOKEN": "xapp-ok\n"})
    assert settings.slack_bot_token == SecretStr("xoxb-ok")
    assert settings.slack_app_token == SecretStr("xapp-ok")
    assert load_settings({"SLACK_BOT_TOKEN": " \n"}).slack_bot_token is None


@pytest.mark.parametrize(
    "name",
    ["OPSGATE_HUAWEI__CLIENT_CERT", "OPSGATE_HUAWEI__CLIENT_KEY", "OPSGATE_HUAWEI__CA_BUNDLE"],
)
def test_a_huawei_file_path_that_is_not_utf8_is_named(name: str) -> None:
    message = _error({**HUAWEI, name: "k\udcff\udcfe.pem"})
    assert message == f"{name} ({name[8:].lower().replace('__', '.')}): is not valid UTF-8"


def test_a_vendor_identifier_that_is_not_utf8_is_named() -> None:
    environ = {**VENDORS["OPSGATE_ENOS__APP_SECRET"], "OPSGATE_ENOS__APP_SECRET": "s3cret"}
    message = _error({**environ, "OPSGATE_ENOS__APP_KEY": "k\udcff"})
    assert message == "OPSGATE_ENOS__APP_KEY (enos.app_key): is not valid UTF-8"


class _QuotesItsInput(BaseModel):
    path: str

    @field_validator("path")
    @classmethod
    def _exists(cls, value: str) -> str:
        raise PydanticCustomError("no_file", "no such file: {path}", {"path": value})


def test_an_error_quoting_text_that_is_not_utf8_is_explained_not_raised() -> None:
    environ = {"OPSGATE_PATH": "k\udcff.pem", "OPSGATE_OTHER": "fine", "HOME": "/h"}
    with pytest.raises(ValidationError) as caught:
        _QuotesItsInput(path=environ["OPSGATE_PATH"])
    assert explain(caught.value, _QuotesItsInput, Sources(environ)) == (
        "OPSGATE_PATH: is not valid UTF-8"
    )
    assert explain(caught.value, _QuotesItsInput) == "a setting's value is not valid UTF-8"
