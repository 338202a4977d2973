"""Reading the settings: environment variables over an optional ``opsgate.toml`` (SPEC §6).

`load_settings` is the one way in: it reads the TOML file named by ``OPSGATE_CONFIG`` (default
``./opsgate.toml``, which may be absent), lets environment variables win over it, and turns every
validation problem into one `SettingsError` that names each key where it was set: a variable
as ``OPSGATE_WORKERS (workers)``, a key of the file as ``opsgate.toml: workers``
(`bot.settings.origin`). Each installed vendor plugin adds one table (``[<vendor>]``,
``OPSGATE_<VENDOR>__<FIELD>``) holding its own settings model. The ``[policy]`` table of the
same file belongs to `bot.policy`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import Field, ValidationError, create_model

from adapters.registry import PluginError, Plugins, installed_plugins
from adapters.settings import VendorSettings
from bot.settings.checks import explain
from bot.settings.core import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    LOADING,
    Settings,
    SettingsError,
)
from bot.settings.origin import POLICY_TABLE, Sources
from bot.settings.suggest import closest
from bot.settings.tomlfile import UnreadableToml, read_toml
from bot.settings.vendor_tables import guarded, masked

_PREFIX: Final = "OPSGATE_"
#: Names a vendor plugin may not take: its table would sit on a core setting, on a variable
#: opsgate reads itself (OPSGATE_CONFIG, OPSGATE_POLICY), or on the ``[policy]`` table.
RESERVED: Final = frozenset(
    {
        *Settings.model_fields,
        *(
            str(info.validation_alias).removeprefix(_PREFIX).lower()
            for info in Settings.model_fields.values()
            if str(info.validation_alias).startswith(_PREFIX)
        ),
        POLICY_TABLE,
    }
)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    plugins: Plugins | None = None,
    vendors: bool = True,
) -> Settings:
    """Read the settings from `environ` (default ``os.environ``) over the TOML file.

    Args:
        environ: The environment to read; tests pass a dict so nothing leaks in.
        plugins: The vendor plugins whose tables to read (default: the installed ones).
        vendors: False: opsgate's own settings only, for commands that call no vendor.

    Raises:
        SettingsError: A value is invalid, ``OPSGATE_CONFIG`` names a missing or malformed
            file, or a variable or table is no setting. The message names each bad key.
        PluginError: A plugin is broken, or named like a core setting.
    """
    env = dict(os.environ if environ is None else environ)
    config_file = _config_path(env)
    toml_data = _file_settings(config_file)
    if vendors:
        model = settings_model(installed_plugins() if plugins is None else plugins)
        problems = _unknown_vendor_variables(env, model)
    else:
        model, problems = Settings, []
        toml_data, env = _without_vendors(toml_data, env)
    toml_data = _without_empty(toml_data, model)
    problems += unknown_core_variables(env, model)
    token = LOADING.set((env, toml_data))
    try:
        settings = model()
    except ValidationError as exc:  # a plugin's message may quote the secret it refuses: masked
        said = "\n".join([explain(exc, model, Sources(env, config_file, toml_data)), *problems])
        raise SettingsError(masked(said, model, env, toml_data)) from None
    finally:
        LOADING.reset(token)
    if problems:
        raise SettingsError("\n".join(problems))
    return settings


def settings_model(plugins: Plugins) -> type[Settings]:
    """`Settings` with one field per plugin, named after it, holding the plugin's model.

    Built once per set of plugins.

    Raises:
        PluginError: A plugin's name is reserved (`RESERVED`).
    """
    for name in plugins.by_name:
        if name in RESERVED:
            raise PluginError(
                f"{plugins.describe(name)} is named like opsgate's own setting {name!r}; "
                "rename the plugin"
            )
    return _model_for(tuple((name, p.settings) for name, p in plugins.by_name.items()))


@functools.cache
def _model_for(vendors: tuple[tuple[str, type[VendorSettings]], ...]) -> type[Settings]:
    if not vendors:
        return Settings
    fields: dict[str, Any] = {
        name: (guarded(model), Field(default_factory=model)) for name, model in vendors
    }
    return create_model(Settings.__name__, __base__=Settings, __module__=__name__, **fields)


def _unknown_vendor_variables(env: Mapping[str, str], model: type[Settings]) -> list[str]:
    """``OPSGATE_<X>__<FIELD>`` variables whose table ``<x>`` no installed plugin provides.

    pydantic-settings ignores a variable that matches no field; for a vendor's settings that
    would hide a typo, or a plugin that is not installed, until its commands fail.
    """
    unknown = []
    for key in sorted(env):
        table, nested, rest = key.upper().removeprefix(_PREFIX).partition("__")
        if key.upper().startswith(_PREFIX) and nested and table.lower() not in model.model_fields:
            path = ".".join(part.lower() for part in (table, *rest.split("__")))
            unknown.append(f"{key.upper()} ({path}): unknown setting{_hint(key, model)}")
    return unknown


def _hint(variable: str, model: type[Settings]) -> str:
    """``; did you mean <variable>?`` naming the setting `variable` most likely meant, if any.

    An ``OPSGATE_`` name is matched only to ``OPSGATE_`` settings (never to a Slack token), and
    one of a vendor no plugin provides (``OPSGATE_ACME__TOKEN``) only to a vendor close to it,
    never to a key of another vendor: a hint must not invite a secret into the wrong slot.
    """
    names = _variable_names(model)
    upper = variable.upper()  # an OPSGATE_ name: the only kind either caller reports
    table, nested, rest = upper.removeprefix(_PREFIX).partition("__")
    # Slack's own names only for a name that says Slack (OPSGATE_SLACK_BOT_TOKEN)
    slack = table.startswith("SLACK")
    ours = [name for name in names if name.upper().startswith(_PREFIX) or slack]
    tables = {name.removeprefix(_PREFIX).partition("__")[0] for name in ours if "__" in name}
    if nested and table not in tables:
        vendor = closest(table, tables)
        if vendor is None:
            return ""
        ours = [name for name in ours if name.startswith(f"{_PREFIX}{vendor}__")]
        meant = closest(f"{_PREFIX}{vendor}__{rest}", ours, prefix=_PREFIX)
        return f"; did you mean {meant or f'{_PREFIX}{vendor}__…'}?"
    meant = closest(variable, ours, prefix=_PREFIX)
    return f"; did you mean {meant}?" if meant else ""


def _file_settings(config_file: Path | None) -> dict[str, Any]:
    """The settings the TOML file holds (none without one), and where it is."""
    if config_file is None:
        return {}
    return {**_read_toml(config_file), "config_file": config_file}


def _without_vendors(
    toml_data: dict[str, Any], env: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The file's and the environment's settings without any vendor's table or variables: a
    broken plugin or vendor setting must not keep anyone from the audit log."""
    core = {
        k: v for k, v in toml_data.items() if k in Settings.model_fields or not isinstance(v, dict)
    }
    return core, {k: v for k, v in env.items() if "__" not in k}


def _without_empty(data: dict[str, Any], model: type[Settings]) -> dict[str, Any]:
    """The file's settings without empty text: ``db = ""`` counts as not set, as an empty
    variable does (``env_ignore_empty``), in a vendor's table too. A key that is no setting is
    kept, so that it is still refused."""
    kept: dict[str, Any] = {}
    for key, value in data.items():
        table = _vendor_model(model, key)
        if isinstance(value, dict) and table is not None:
            value = {k: v for k, v in value.items() if v != "" or k not in table.model_fields}
        elif value == "" and key in model.model_fields:
            continue
        kept[key] = value
    return kept


def _vendor_model(model: type[Settings], key: str) -> type[VendorSettings] | None:
    """The settings model of the vendor table `key`, if `key` is one."""
    field = model.model_fields.get(key)
    table = field.annotation if field is not None else None
    return table if isinstance(table, type) and issubclass(table, VendorSettings) else None


def _config_path(env: Mapping[str, str]) -> Path | None:
    """The TOML file to read: the one named by OPSGATE_CONFIG (must exist), or the default."""
    named = env.get(CONFIG_ENV)
    if named:
        if not named.strip():  # not a file named by spaces: `file not found:   ` shows nothing
            raise SettingsError(f"{CONFIG_ENV}: names no file; name the file, or unset it")
        path = Path(named)
        if path.is_dir():
            raise SettingsError(f"{CONFIG_ENV}: {path} is a directory; name the file")
        if not path.exists():
            raise SettingsError(f"{CONFIG_ENV}: file not found: {path}")
        if not path.is_file():  # a device (/dev/null, /dev/zero), a FIFO, a socket
            raise SettingsError(f"{CONFIG_ENV}: {path} is not a regular file; name the file")
        return path
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's settings: every table but ``[policy]``, which belongs to the policy."""
    try:
        data = read_toml(path)
    except UnreadableToml as exc:
        raise SettingsError(f"{CONFIG_ENV} ({path}): cannot read: {exc}") from None
    data.pop(POLICY_TABLE, None)
    if "config_file" in data:
        raise SettingsError(f"{path}: config_file: set {CONFIG_ENV} instead")
    return data


#: Variables opsgate reads that are not settings: the console's, and the test suite's.
NOT_SETTINGS: Final = frozenset(
    {
        "OPSGATE_CONSOLE_DB",
        "OPSGATE_CONSOLE_HISTORY",
        "OPSGATE_TEST_DATABASE_URL",
        "OPSGATE_REQUIRE_POSTGRES",
        "OPSGATE_PG_BIN",
    }
)


def unknown_core_variables(env: Mapping[str, str], model: type[Settings]) -> list[str]:
    """``OPSGATE_<NAME>`` variables that are no setting (a vendor's have ``__`` and are
    checked against the installed plugins): a typo would otherwise be ignored silently.
    The hint may name a vendor's variable of `model` (one ``_`` written for ``__``)."""
    known = {*_core_names(), *NOT_SETTINGS}
    problems = []
    for key in sorted(env):
        name = key.upper()
        if name.startswith(_PREFIX) and "__" not in name and name not in known:
            problems.append(f"{name}: unknown setting{_hint(name, model)}")
    return problems


def _variable_names(model: type[Settings]) -> set[str]:
    """Every variable that sets a setting of `model`: opsgate's own, and each vendor table's
    ``OPSGATE_<VENDOR>__<FIELD>``."""
    names = _core_names()
    for table, info in model.model_fields.items():
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, VendorSettings):
            names |= {f"{_PREFIX}{table.upper()}__{field.upper()}" for field in nested.model_fields}
    return names


def _core_names() -> set[str]:
    """Every variable that sets one of opsgate's own settings (Slack's without the prefix)."""
    names = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(str(alias) if isinstance(alias, str) else f"{_PREFIX}{field.upper()}")
    return names
