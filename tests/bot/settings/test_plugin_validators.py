"""A vendor plugin's own validators run as the settings are read (docs/plugins.md "Settings":
override `check_credentials`, add a ``field_validator``). What they refuse is said as every bad
setting is, in one line naming the key, and never with a secret: a message that quotes the
value it refuses shows ``****``. What they raise by mistake (a `KeyError`, a `RuntimeError`)
is one line too, naming the plugin's table, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_plugins import GlobexSettings, vendor_plugin
from pydantic import SecretStr, field_validator

from adapters.registry import PluginError, Plugins
from bot.settings import SettingsError, load_settings

SECRET = "gx-SUPERSECRET-123"
GIVEN = {"OPSGATE_GLOBEX__BASE_URL": "https://g.example", "OPSGATE_GLOBEX__TOKEN": SECRET}


def problems(settings: type[GlobexSettings], environ: dict[str, str] = GIVEN) -> str:
    plugins = Plugins.of(vendor_plugin("globex", settings=settings))
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, plugins=plugins)
    return caught.value.message


class QuotesTheToken(GlobexSettings):
    def check_credentials(self) -> None:
        super().check_credentials()
        token = self.token.get_secret_value() if self.token else ""
        if token and not token.startswith("gx-live"):
            raise ValueError(f"token {token} is not a live key")


class QuotesItsField(GlobexSettings):
    @field_validator("token")
    @classmethod
    def _live(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value().startswith("gx-live"):
            raise ValueError(f"{token.get_secret_value()} is not a live key")
        return token


def test_a_refusal_quoting_the_secret_from_the_environment_masks_it() -> None:
    assert (
        problems(QuotesTheToken)
        == "OPSGATE_GLOBEX (globex): Value error, token **** is not a live key"
    )
    assert problems(QuotesItsField) == (
        "OPSGATE_GLOBEX__TOKEN (globex.token): Value error, **** is not a live key"
    )


def test_a_refusal_quoting_the_secret_from_the_file_masks_it(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        f'[globex]\nbase_url = "https://g.example"\ntoken = "{SECRET}"\n'
    )
    said = problems(QuotesItsField, {})
    assert SECRET not in said and said.endswith("Value error, **** is not a live key")


class Crashes(GlobexSettings):
    def check_credentials(self) -> None:
        super().check_credentials()
        if self.token is not None:
            raise RuntimeError(f"no handler for {self.token.get_secret_value()}")


class LooksUpAKeyItLacks(GlobexSettings):
    def check_credentials(self) -> None:
        super().check_credentials()
        if self.token is not None:
            {"eu": "https://eu.g.example"}[self.region + "-1"]


def test_a_plugin_validator_that_crashes_is_one_line_naming_its_table() -> None:
    assert problems(LooksUpAKeyItLacks) == (
        "OPSGATE_GLOBEX (globex): its plugin's settings model failed reading them: KeyError: 'eu-1'"
    )
    assert problems(Crashes) == (
        "OPSGATE_GLOBEX (globex): its plugin's settings model failed reading them: "
        "RuntimeError: no handler for ****"
    )


def test_a_plugin_whose_defaults_crash_is_refused_in_one_line() -> None:
    class Always(GlobexSettings):
        def check_credentials(self) -> None:
            raise AttributeError("'NoneType' object has no attribute 'startswith'")

    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", settings=Always))
    assert str(caught.value) == (
        "vendor plugin 'globex' has settings whose defaults cannot be read: AttributeError: "
        "'NoneType' object has no attribute 'startswith'"
    )


class ConfiguredCrashes(GlobexSettings):
    @property
    def configured(self) -> bool:  # overridden, as docs/plugins.md allows, with a slip
        return self.token is not None and self.region.startswith(self.base_url[8])  # type: ignore[index]


def test_a_configured_property_that_crashes_is_one_line_naming_its_table() -> None:
    # Asked as the adapters are built, by `opsgate check` and by `opsgate plugins`: a traceback
    # from each, before; now said once, as the settings are read.
    assert problems(ConfiguredCrashes, {**GIVEN, "OPSGATE_GLOBEX__BASE_URL": "http://g"}) == (
        "OPSGATE_GLOBEX (globex): its plugin's settings model failed reading them: "
        "IndexError: string index out of range"
    )


def test_a_configured_property_that_crashes_on_the_defaults_is_refused_in_one_line() -> None:
    class Always(GlobexSettings):
        @property
        def configured(self) -> bool:
            return bool(self.base_url.strip())  # type: ignore[union-attr]

    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", settings=Always))
    assert str(caught.value) == (
        "vendor plugin 'globex' has settings whose defaults cannot be read: AttributeError: "
        "'NoneType' object has no attribute 'strip'"
    )


class Exits(GlobexSettings):
    def check_credentials(self) -> None:  # a vendor SDK's helper, written for a command line
        super().check_credentials()
        if self.token is not None or self.region == "nowhere":
            raise SystemExit("globex-sdk: no such region")


def test_a_plugin_validator_that_calls_sys_exit_is_one_line_naming_its_table() -> None:
    assert problems(Exits) == (
        "OPSGATE_GLOBEX (globex): its plugin's settings model failed reading them: "
        "SystemExit: globex-sdk: no such region"
    )


def test_a_plugin_whose_defaults_call_sys_exit_is_refused_in_one_line() -> None:
    class Always(Exits):
        region: str = "nowhere"

    with pytest.raises(PluginError) as caught:
        Plugins.of(vendor_plugin("globex", settings=Always))
    assert str(caught.value) == (
        "vendor plugin 'globex' has settings whose defaults cannot be read: SystemExit: "
        "globex-sdk: no such region"
    )


def test_a_short_secret_quoted_by_a_refusal_is_masked_where_it_stands_not_inside_words() -> None:
    # "tok" is shorter than any issued credential, yet it is the secret: masked as a whole
    # word, and never inside opsgate's own words ("token", "OPSGATE_GLOBEX__TOKEN").
    given = {"OPSGATE_GLOBEX__BASE_URL": "https://g.example", "OPSGATE_GLOBEX__TOKEN": "tok"}
    assert (
        problems(QuotesTheToken, given)
        == "OPSGATE_GLOBEX (globex): Value error, token **** is not a live key"
    )
    assert problems(QuotesItsField, given) == (
        "OPSGATE_GLOBEX__TOKEN (globex.token): Value error, **** is not a live key"
    )
