"""`VendorSettings`: the credential rule declared as data and checked by the base class."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import SecretStr, ValidationError

from adapters.settings import VendorSettings, is_set, missing_credential


class WidgetSettings(VendorSettings):
    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("token", "base_url"),
        ("client_cert", "client_key"),
    )
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)

    base_url: str | None = None
    token: SecretStr | None = None
    client_cert: str | None = None
    client_key: str | None = None


class EitherSettings(VendorSettings):
    """A vendor whose rule is not "these go together": a token needs a region."""

    token: SecretStr | None = None
    region: str | None = None

    @property
    def configured(self) -> bool:
        return is_set(self.token)

    def check_credentials(self) -> None:
        super().check_credentials()
        if is_set(self.token) and not is_set(self.region):
            raise missing_credential("region", given="token")


def problem(**values: object) -> dict[str, object]:
    with pytest.raises(ValidationError) as caught:
        WidgetSettings(**values)  # type: ignore[arg-type]
    [error] = caught.value.errors()
    return {"type": error["type"], **(error.get("ctx") or {})}


def test_defaults_are_valid_and_not_configured() -> None:
    settings = WidgetSettings()
    assert settings.timeout == 10.0
    assert not settings.configured


def test_the_first_group_complete_is_configured() -> None:
    settings = WidgetSettings(base_url="https://w.example", token=SecretStr("t"))
    assert settings.configured


def test_an_empty_secret_counts_as_not_set() -> None:
    given = problem(base_url="https://w.example", token=SecretStr(""))
    assert given == {"type": "missing_credential", "field": "token", "given": "base_url"}


@pytest.mark.parametrize("blank", ["   ", " \t\n", SecretStr("  ")])
def test_a_blank_secret_counts_as_not_set(blank: object) -> None:
    """Whitespace only is no credential, as for Slack's secrets: not set, never "set"."""
    given = problem(base_url="https://w.example", token=blank)
    assert given == {"type": "missing_credential", "field": "token", "given": "base_url"}
    assert WidgetSettings(token=blank).token is None  # type: ignore[arg-type]
    assert not is_set(SecretStr(" \t"))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"token": SecretStr("t")}, {"field": "base_url", "given": "token"}),
        ({"base_url": "https://w.example"}, {"field": "token", "given": "base_url"}),
        ({"client_key": "/k.pem"}, {"field": "client_cert", "given": "client_key"}),
    ],
)
def test_half_a_group_names_the_missing_field(
    values: dict[str, object], expected: dict[str, str]
) -> None:
    assert problem(**values) == {"type": "missing_credential", **expected}


@pytest.mark.parametrize(
    "url",
    [
        "w.example",
        "ftp://w.example",
        "https://",
        "http://x:bad/",  # a port that is no number: no request could be built on it
        "http://:80",  # a port and no host
        "http://user:pw@:80/",
        "http://w.example:0/",
        "http://w.example:65536/",
        "http://w example/",  # a space in the host
        "https://w.example/api ",
        "http://[::1/",
        "https://xn--/",  # a host IDNA cannot encode
        "http://u:p@w:80",  # httpx would send Basic auth in place of the vendor's token
        "https://token@w.example/",
    ],
)
def test_url_fields_must_be_http_urls_a_request_can_be_built_on(url: str) -> None:
    assert problem(base_url=url, token=SecretStr("t")) == {"type": "http_url", "field": "base_url"}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:1", "https://w.example:8743/api/", "https://[::1]:443", "http://w:80"],
)
def test_good_urls_pass(url: str) -> None:
    assert WidgetSettings(base_url=url, token=SecretStr("t")).configured


def test_unknown_keys_are_refused_and_the_model_is_frozen() -> None:
    with pytest.raises(ValidationError, match="extra"):
        WidgetSettings(tokn="t")  # type: ignore[call-arg]
    settings = WidgetSettings()
    with pytest.raises(ValidationError):
        settings.timeout = 1.0  # type: ignore[misc]


def test_a_model_without_groups_is_never_configured_by_default() -> None:
    assert not VendorSettings().configured


def test_a_vendor_may_override_the_rule() -> None:
    with pytest.raises(ValidationError) as caught:
        EitherSettings(token=SecretStr("t"))
    assert caught.value.errors()[0]["ctx"] == {"field": "region", "given": "token"}
    assert EitherSettings(token=SecretStr("t"), region="eu").configured
    assert not EitherSettings(region="eu").configured


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        (SecretStr(""), False),
        ("x", True),
        (SecretStr("s"), True),
        (0, True),
    ],
)
def test_is_set(value: object, expected: bool) -> None:
    assert is_set(value) is expected
