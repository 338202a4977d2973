"""opsgate's core settings model (SPEC §6): Slack, the database, the policy file, workers.

Vendor settings are not here: each vendor plugin brings its own model, and
`bot.settings.load.load_settings` reads them into a subclass of `Settings` with one table per
installed plugin (`Settings.vendor` returns one).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from adapters.registry import installed_plugins
from adapters.settings import (
    NOT_UTF8,
    VendorSettings,
    bounded_whole_number,
    check_url,
    checked_secret,
    not_utf8,
)
from bot.settings.checks import describe_model
from bot.settings.service import (
    at_least_a_second,
    at_most_a_day,
    database_target,
    in_range,
    parse_duration,
    parse_size,
    parse_timeout,
    shown_database,
    size_in_range,
)

CONFIG_ENV: Final = "OPSGATE_CONFIG"
DEFAULT_CONFIG: Final = Path("opsgate.toml")
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_MIB: Final = 1024 * 1024
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
#: Shortest OPSGATE_AUDIT_KEY accepted.
AUDIT_KEY_MIN: Final = 16
_CHANNEL_ID: Final = re.compile(r"[CG][A-Z0-9]{1,31}")

#: What `load_settings` is reading (environment, TOML data) while it builds a `Settings`.
#: pydantic-settings picks its sources in a classmethod, so they are handed over this way.
LOADING: ContextVar[tuple[Mapping[str, str], dict[str, Any]] | None] = ContextVar(
    "opsgate_settings_loading", default=None
)


class SettingsError(ValueError):
    """The settings are invalid; the message names each bad key where it was set
    (``ENV_NAME (toml.key): why``, or ``<file>: toml.key: why``).

    Attributes:
        message: Every problem found, one per line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: A whole number: never true or false, and one too long to read says the field's range.
_WHOLE: Final = BeforeValidator(bounded_whole_number)


def _workers_in_range(value: int) -> int:
    if not 1 <= value <= 256:
        raise PydanticCustomError("workers_range", "must be between 1 and 256")
    return value


def _known_log_level(value: str) -> str:
    level = value.upper()
    if level not in _LOG_LEVELS:
        raise PydanticCustomError("log_level", "must be one of " + ", ".join(_LOG_LEVELS))
    return level


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _audit_key(value: SecretStr | None) -> SecretStr | None:
    """An empty or blank key is no key, as every secret; a short one is refused (it would be
    guessable offline), and so is one holding bytes that are not UTF-8 (no key can be made of
    them)."""
    if value is None or not value.get_secret_value().strip():
        return None
    if not_utf8(value.get_secret_value()):
        raise PydanticCustomError("secret_text", NOT_UTF8)
    if len(value.get_secret_value()) < AUDIT_KEY_MIN:
        raise PydanticCustomError(
            "audit_key_short",
            f"must be at least {AUDIT_KEY_MIN} characters (e.g. the output of "
            "`openssl rand -hex 32`)",
        )
    return value


def _some_path(value: object) -> object:
    """``OPSGATE_POLICY`` of only spaces names no file (empty is no setting): it was read as
    a file named by the spaces, or as ``.``, the working folder."""
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("path", "names no file: give the policy file's path")
    return value


def _channel_id(value: str | None) -> str | None:
    if value is not None and not _CHANNEL_ID.fullmatch(value):
        raise PydanticCustomError("channel_id", "must be a Slack channel id (C… or G…)")
    return value or None


def _http_url(value: str) -> str:
    check_url(value)
    return value


class Settings(BaseSettings):
    """Everything opsgate reads from its environment; see SPEC §6 for each variable.

    Build it with `load_settings`. Constructing `Settings(...)` directly reads keyword
    arguments over the process environment, and no TOML file.

    Attributes:
        config_file: The TOML file these settings were read from (``OPSGATE_CONFIG``), if any;
            `bot.policy.load_policy` reads its ``[policy]`` table.
        workers: Size of the executor that runs clicks and vendor calls after Slack's ack;
            previews run on as many threads of their own (`bot.lifecycle.workers.Runner`).
        log_format: ``text`` (default) or ``json`` (one object per line).
        shutdown_grace: How long SIGTERM waits for vendor calls in flight.
        http_threads: Threads answering HTTP requests (acks, probes) in ``serve --http``.
        http_connection_limit: Open HTTP connections accepted at once; more wait in the backlog.
        http_channel_timeout: An HTTP connection idle this long is closed.
        http_max_body: Largest request body accepted, in bytes; larger ones get 413 unread.
        audit_key: ``OPSGATE_AUDIT_KEY``: when set, the audit chain is HMAC-SHA256 under it.
            Kept as set: the store drops a line break at its end, or keeps it for a log keyed
            with it (`bot.store.chain.ChainKey`).
        audit_channel: ``OPSGATE_AUDIT_CHANNEL``: where every ended request, and every
            break-glass review, is announced with the chain head.
        db: ``OPSGATE_DB``: a SQLite file, or a ``postgresql://`` URL that replicas share.
        lease_seconds: ``OPSGATE_LEASE_SECONDS``: how long a replica's lease on a request it
            is executing lasts unrenewed; a dead replica's calls become ``unknown`` within
            1.5 times this.
    """

    model_config = SettingsConfigDict(
        env_prefix="OPSGATE_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: Annotated[str, AfterValidator(_http_url)] = "https://slack.com/api/"
    config_file: Path | None = Field(default=None, validation_alias=CONFIG_ENV)
    db: Annotated[Path | str, BeforeValidator(database_target)] = Path("opsgate.db")
    policy_file: Annotated[Path | None, BeforeValidator(_some_path)] = Field(
        default=None, validation_alias="OPSGATE_POLICY"
    )
    sandbox: bool = False
    workers: Annotated[int, _WHOLE, AfterValidator(_workers_in_range)] = 16
    log_level: Annotated[str, AfterValidator(_known_log_level)] = "INFO"
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = "text"
    shutdown_grace: Annotated[Duration, AfterValidator(at_most_a_day)] = timedelta(seconds=30)
    http_threads: Annotated[int, _WHOLE, AfterValidator(in_range(1, 256))] = 16
    http_connection_limit: Annotated[int, _WHOLE, AfterValidator(in_range(10, 100_000))] = 1000
    http_channel_timeout: Annotated[
        timedelta, BeforeValidator(parse_timeout), AfterValidator(at_least_a_second)
    ] = timedelta(seconds=60)
    http_max_body: Annotated[
        int, BeforeValidator(parse_size), AfterValidator(size_in_range(1024, 1024 * _MIB))
    ] = 2 * _MIB
    audit_key: Annotated[SecretStr | None, AfterValidator(_audit_key)] = None
    audit_channel: Annotated[str | None, AfterValidator(_channel_id)] = None
    lease_seconds: Annotated[int, _WHOLE, AfterValidator(in_range(1, 3600))] = 30

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token")
    @classmethod
    def _empty_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty or blank secret, from the environment or ``opsgate.toml``, counts as not
        set: ``slack_signing_secret = ""`` must never read as "a secret that happens to be
        empty" (Bolt turns signature checking off for an empty secret). Vendor secrets follow
        the same rule (`adapters.settings.VendorSettings`). Each goes into a request header or
        a signature, so it must be one word of printable ASCII (`checked_secret`)."""
        return checked_secret(value, header=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the environment, then the TOML file (`load_settings` only)."""
        inputs = LOADING.get()
        if inputs is None:
            return init_settings, _MappingEnvSource(settings_cls, os.environ)
        environ, toml_data = inputs
        toml_source = InitSettingsSource(settings_cls, toml_data)
        return init_settings, _MappingEnvSource(settings_cls, environ), toml_source

    def describe(self) -> dict[str, str]:
        """Every setting as display text, for ``opsgate check``; secrets show as ``****``.

        Keys are TOML-style (``workers``, ``<vendor>.token``); unset values read ``(not set)``.
        """
        shown = describe_model(self)
        shown["db"] = shown_database(self.db)
        return shown

    def vendors(self) -> dict[str, VendorSettings]:
        """The vendor plugins' settings these settings hold, by plugin name."""
        return {
            name: value
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), VendorSettings)
        }

    def vendor(self, name: str) -> VendorSettings:
        """One vendor plugin's settings: its defaults when these settings were built without
        that plugin (e.g. a bare ``Settings()`` in a test).

        Raises:
            KeyError: No installed plugin is called `name`.
        """
        held = self.vendors().get(name)
        return held if held is not None else installed_plugins().by_name[name].settings()


class _MappingEnvSource(EnvSettingsSource):
    """The standard environment source, reading a given mapping instead of ``os.environ``.

    Fields with their own variable (``SLACK_BOT_TOKEN``, ``OPSGATE_POLICY``) are readable by
    field name too (``validate_by_name``, so TOML keys and keyword arguments work), which would
    make pydantic-settings also read ``OPSGATE_SLACK_BOT_TOKEN`` or ``OPSGATE_POLICY_FILE``.
    Those names are not opsgate's, so they are dropped before parsing.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        unofficial = {
            f"OPSGATE_{name.upper()}"
            for name, info in settings_cls.model_fields.items()
            if info.validation_alias is not None
        }
        kept = {key: value for key, value in environ.items() if key.upper() not in unofficial}
        # Replaces what the base class read from os.environ, with the same normalisation.
        self.env_vars = parse_env_vars(
            kept, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )
