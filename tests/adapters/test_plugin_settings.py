"""A settings model whose declarations cannot work is refused when the plugins are checked, in
one line naming the plugin and the fix, never with a traceback or, worse, silently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import pytest
from fake_plugins import GlobexSettings, vendor_plugin
from pydantic import SecretStr

from adapters.plugin_settings import looks_secret
from adapters.registry import PluginError, Plugins, installed_plugins


def refusal(settings: type[GlobexSettings]) -> str:
    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", settings=settings))
    message = str(caught.value)
    assert message.startswith("vendor plugin 'globex' ") and "\n" not in message
    return message


def test_a_misspelt_field_in_required_together_is_named_with_the_right_one() -> None:
    class Misspelt(GlobexSettings):
        required_together: ClassVar[tuple[tuple[str, ...], ...]] = (("tokne", "base_url"),)

    assert refusal(Misspelt) == (
        "vendor plugin 'globex' names 'tokne' in Misspelt.required_together, but it has no "
        "such field; did you mean 'token'?"
    )


def test_a_misspelt_url_field_is_named() -> None:
    class Misspelt(GlobexSettings):
        url_fields: ClassVar[tuple[str, ...]] = ("baseurl",)

    assert "names 'baseurl' in Misspelt.url_fields" in refusal(Misspelt)


def test_a_header_secret_that_is_not_a_field_is_refused_rather_than_ignored() -> None:
    class Misspelt(GlobexSettings):
        header_secrets: ClassVar[tuple[str, ...]] = ("tokn",)

    assert "names 'tokn' in Misspelt.header_secrets" in refusal(Misspelt)


def test_a_field_with_no_close_match_lists_the_fields() -> None:
    class Unknown(GlobexSettings):
        url_fields: ClassVar[tuple[str, ...]] = ("zzz",)

    assert "(fields: timeout, deadline, base_url, token, region)" in refusal(Unknown)


def test_a_header_secret_must_be_a_secret() -> None:
    class Plain(GlobexSettings):
        header_secrets: ClassVar[tuple[str, ...]] = ("region",)

    assert refusal(Plain) == (
        "vendor plugin 'globex' lists 'region' in Plain.header_secrets, but it is not a "
        "SecretStr; declare it `region: SecretStr | None = None`"
    )


@pytest.mark.parametrize("name", ["token", "api_key", "client_secret", "password", "api_token"])
def test_a_secret_typed_as_plain_text_is_refused(name: str) -> None:
    plain = type("Plain", (GlobexSettings,), {"__annotations__": {name: str | None}, name: None})
    assert refusal(plain) == (
        f"vendor plugin 'globex' declares the setting {name!r} as plain text; a secret must be "
        f"a pydantic SecretStr (`{name}: SecretStr | None = None`) so that it is masked as **** "
        "and never logged"
    )


def test_secrets_typed_secretstr_pass() -> None:
    class Typed(GlobexSettings):
        api_key: SecretStr | None = None
        token_url: str | None = None  # a URL, not a secret
        app_key: str | None = None  # an application's id

    assert Plugins.of(vendor_plugin("globex", settings=Typed)).by_name["globex"].settings is Typed


@pytest.mark.parametrize(
    ("name", "secret"),
    [("access_key_secret", True), ("private_key", True), ("token_url", False),
     ("app_key", False), ("access_key_id", False), ("secret_id", False)],
)  # fmt: skip
def test_what_looks_like_a_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_the_built_in_plugins_pass() -> None:
    assert set(installed_plugins().by_name) >= {"aliyun", "enos", "huawei", "servicepower"}


def test_a_setting_with_no_default_says_to_give_it_one() -> None:
    class NoDefault(GlobexSettings):
        site: str

    assert refusal(NoDefault) == (
        "vendor plugin 'globex' has settings whose defaults are invalid: site: has no default; "
        "give it one (None for a setting that may be left out, with required_together saying "
        "what must be set with it)"
    )


def test_a_misspelt_credential_url_is_refused_rather_than_never_warned_about() -> None:
    class Misspelt(GlobexSettings):
        credential_urls: ClassVar[Mapping[str, str]] = {"baseurl": "every call sends the token"}

    assert refusal(Misspelt) == (
        "vendor plugin 'globex' names 'baseurl' in Misspelt.credential_urls, but it has no "
        "such field; did you mean 'base_url'?"
    )


def test_a_credential_url_must_be_a_url_field() -> None:
    class NotChecked(GlobexSettings):
        credential_urls: ClassVar[Mapping[str, str]] = {"region": "every call sends the token"}

    assert refusal(NotChecked) == (
        "vendor plugin 'globex' lists 'region' in NotChecked.credential_urls, but not in "
        "url_fields; list it there too, so that it is checked as a URL"
    )


def test_a_group_of_required_together_without_its_comma_says_so() -> None:
    class OneGroup(GlobexSettings):
        # What `(("token", "base_url"))` is: one group, its comma forgotten.
        required_together: ClassVar = ("token", "base_url")

    message = refusal(OneGroup)
    assert "OneGroup.required_together as ('token', 'base_url'), not a tuple of groups" in message
    assert '(("base_url", "token"),)' in message and "'t'" not in message


@pytest.mark.parametrize("where", ["url_fields", "header_secrets"])
def test_a_name_written_without_its_tuple_says_so(where: str) -> None:
    bare = type("Bare", (GlobexSettings,), {"__annotations__": {where: ClassVar}, where: "token"})

    message = refusal(bare)
    assert f"declares Bare.{where} as 'token', not a tuple of field names" in message
    assert "'t'" not in message


def test_credential_urls_as_a_tuple_is_refused_when_the_plugins_are_checked() -> None:
    # Not only once a URL is plain http and the adapter is built, as "failed to connect:
    # AttributeError: 'tuple' object has no attribute 'items'" (and in `opsgate check`, a
    # traceback).
    class Listed(GlobexSettings):
        credential_urls: ClassVar = ("base_url",)

    assert refusal(Listed) == (
        "vendor plugin 'globex' declares Listed.credential_urls as ('base_url',), not a mapping "
        "from each field name to what its requests carry; write it like `credential_urls = "
        '{"base_url": "every call sends the token"}`'
    )


def test_credential_urls_saying_nothing_of_what_is_carried_is_refused() -> None:
    class Silent(GlobexSettings):
        credential_urls: ClassVar = {"base_url": ""}

    assert "declares Silent.credential_urls as {'base_url': ''}, not a mapping" in refusal(Silent)
