"""Each vendor plugin brings its settings model: one ``[<vendor>]`` table per installed plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_plugins import GLOBEX, GlobexSettings, vendor_plugin
from pydantic import SecretStr

from adapters.enos.settings import EnosSettings
from adapters.registry import PluginError, Plugins
from bot.settings import Settings, SettingsError, load_settings, settings_model

PLUGINS = Plugins.of(GLOBEX)


def problems(environ: dict[str, str], plugins: Plugins | None = PLUGINS) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, plugins=plugins)
    return caught.value.message.splitlines()


def test_a_plugin_table_from_the_environment_and_the_file(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        '[globex]\nregion = "us"\nbase_url = "https://g.example"\n'
    )
    settings = load_settings({"OPSGATE_GLOBEX__TOKEN": "tok-value"}, plugins=PLUGINS)
    globex = settings.vendor("globex")
    assert isinstance(globex, GlobexSettings)
    assert (globex.region, globex.base_url) == ("us", "https://g.example")
    assert globex.token == SecretStr("tok-value")
    assert globex.configured
    assert settings.vendors() == {"globex": globex}


def test_errors_name_the_key_in_both_forms() -> None:
    assert problems({"OPSGATE_GLOBEX__TOKEN": "t"}) == [
        "OPSGATE_GLOBEX__BASE_URL (globex.base_url): required when globex.token is set"
    ]
    assert problems({"OPSGATE_GLOBEX__REGOIN": "us"}) == [
        "OPSGATE_GLOBEX__REGOIN (globex.regoin): unknown setting; "
        "did you mean OPSGATE_GLOBEX__REGION?"
    ]


def test_describe_masks_a_plugins_secrets() -> None:
    settings = load_settings(
        {"OPSGATE_GLOBEX__TOKEN": "tok-value", "OPSGATE_GLOBEX__BASE_URL": "https://g.example"},
        plugins=PLUGINS,
    )
    described = settings.describe()
    assert described["globex.token"] == "****"
    assert described["globex.region"] == "eu"
    assert "tok-value" not in repr(settings)


def test_a_table_for_a_plugin_that_is_not_installed(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text('[globex]\nregion = "us"\n')
    assert problems({}, plugins=Plugins.of()) == ["opsgate.toml: globex: unknown setting"]


def test_a_variable_for_a_plugin_that_is_not_installed() -> None:
    assert problems({"OPSGATE_INITECH__TOKEN": "t", "OPSGATE_WORKERS": "0"}) == [
        "OPSGATE_WORKERS (workers): must be between 1 and 256",
        "OPSGATE_INITECH__TOKEN (initech.token): unknown setting",
    ]


def test_a_variable_for_a_plugin_that_is_not_installed_alone() -> None:
    assert problems({"OPSGATE_INITECH__A__B": "t"}) == [
        "OPSGATE_INITECH__A__B (initech.a.b): unknown setting"
    ]


def test_other_opsgate_variables_are_left_alone() -> None:
    settings = load_settings({"OPSGATE_CONSOLE_DB": "x.db", "OPSGATE_POLICY": "p.toml"})
    assert settings.policy_file == Path("p.toml")


def test_the_installed_plugins_are_the_default() -> None:
    settings = load_settings(
        {
            "OPSGATE_ENOS__APP_KEY": "k",
            "OPSGATE_ENOS__APP_SECRET": "s",
            "OPSGATE_ENOS__BASE_URL": "https://apim.example",
        }
    )
    assert settings.vendor("enos").configured
    assert set(settings.vendors()) == {"aliyun", "enos", "huawei", "servicepower"}


def test_a_bare_settings_object_gives_a_plugins_defaults() -> None:
    settings = Settings()
    assert settings.vendors() == {}
    assert settings.vendor("enos") == EnosSettings()
    with pytest.raises(KeyError):
        settings.vendor("globex")


def test_the_model_is_built_once_per_set_of_plugins() -> None:
    assert settings_model(PLUGINS) is settings_model(Plugins.of(GLOBEX))
    assert settings_model(PLUGINS) is not settings_model(Plugins.of(vendor_plugin("initech")))
    assert settings_model(Plugins.of()) is Settings


@pytest.mark.parametrize("name", ["workers", "sandbox", "db", "config", "policy"])
def test_a_plugin_may_not_be_named_like_a_core_setting(name: str) -> None:
    with pytest.raises(PluginError) as caught:
        load_settings({}, plugins=Plugins.of(vendor_plugin(name)))
    assert str(caught.value) == (
        f"vendor plugin {name!r} is named like opsgate's own setting {name!r}; rename the plugin"
    )


class UnionSettings(GlobexSettings):
    """A plugin setting that takes either of two types."""

    ports: int | list[int] = 443


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        (
            '[globex]\nports = "many"\n',
            {},
            "opsgate.toml: globex.ports: must be a whole number or a list",
        ),
        (
            "[globex]\nports = [1, 2]\n",
            {"OPSGATE_GLOBEX__PORTS": '"many"'},
            "OPSGATE_GLOBEX__PORTS (globex.ports): must be a whole number or a list",
        ),
    ],
)
def test_a_value_that_fits_no_type_of_a_union_is_one_line_naming_its_key(
    in_tmp: Path, toml: str, environ: dict[str, str], message: str
) -> None:
    """Not one line per type tried, each naming a key made of pydantic's tags for them."""
    (in_tmp / "opsgate.toml").write_text(toml)
    assert problems(environ, Plugins.of(vendor_plugin(settings=UnionSettings))) == [message]
