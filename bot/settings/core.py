"""opsgate's settings: environment variables over an optional ``opsgate.toml`` (SPEC §6).

`load_settings` is the one way in: it reads the TOML file named by ``OPSGATE_CONFIG`` (default
``./opsgate.toml``, which may be absent), lets environment variables win over it, and turns every
validation problem into one `SettingsError` that names the key both as an environment variable
and as a TOML key. The ``[policy]`` table of the same file belongs to `bot.policy`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from adapters.config import AliyunConfig, EnosConfig, HuaweiConfig, ServicePowerConfig
from bot.settings.checks import check_url, check_vendor, describe_model, explain
from bot.settings.service import empty_secret_is_unset, in_range, parse_duration, parse_size

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
_LOADING: ContextVar[tuple[Mapping[str, str], dict[str, Any]] | None] = ContextVar(
    "opsgate_settings_loading", default=None
)


class SettingsError(ValueError):
    """The settings are invalid; the message names each bad key (``ENV_NAME (toml.key): why``).

    Attributes:
        message: Every problem found, one per line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def _http_url(value: str) -> str:
    check_url(value)
    return value


def _audit_key(value: SecretStr | None) -> SecretStr | None:
    """An empty key is no key; a short one is refused (it would be guessable offline)."""
    if value is None or not value.get_secret_value():
        return None
    if len(value.get_secret_value()) < AUDIT_KEY_MIN:
        raise PydanticCustomError(
            "audit_key_short",
            f"must be at least {AUDIT_KEY_MIN} characters (e.g. the output of "
            "`openssl rand -hex 32`)",
        )
    return value


def _channel_id(value: str | None) -> str | None:
    if value is not None and not _CHANNEL_ID.fullmatch(value):
        raise PydanticCustomError("channel_id", "must be a Slack channel id (C… or G…)")
    return value or None


class Settings(BaseSettings):
    """Everything opsgate reads from its environment; see SPEC §6 for each variable.

    Build it with `load_settings`. Constructing `Settings(...)` directly reads keyword
    arguments over the process environment, and no TOML file.

    Attributes:
        config_file: The TOML file these settings were read from (``OPSGATE_CONFIG``), if any;
            `bot.policy.load_policy` reads its ``[policy]`` table.
        workers: Size of the executor that runs previews and vendor calls after Slack's ack.
        log_format: ``text`` (default) or ``json`` (one object per line).
        shutdown_grace: How long SIGTERM waits for vendor calls in flight.
        http_threads: Threads answering HTTP requests (acks, probes) in ``serve --http``.
        http_connection_limit: Open HTTP connections accepted at once; more wait in the backlog.
        http_channel_timeout: An HTTP connection idle this long is closed.
        http_max_body: Largest request body accepted, in bytes; larger ones get 413 unread.
        audit_key: ``OPSGATE_AUDIT_KEY``: when set, the audit chain is HMAC-SHA256 under it.
        audit_channel: ``OPSGATE_AUDIT_CHANNEL``: where every ended request is announced with
            the chain head.
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
    db: Path = Path("opsgate.db")
    policy_file: Path | None = Field(default=None, validation_alias="OPSGATE_POLICY")
    sandbox: bool = False
    workers: Annotated[int, AfterValidator(_workers_in_range)] = 16
    log_level: Annotated[str, AfterValidator(_known_log_level)] = "INFO"
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = "text"
    shutdown_grace: Duration = timedelta(seconds=30)
    http_threads: Annotated[int, AfterValidator(in_range(1, 256))] = 16
    http_connection_limit: Annotated[int, AfterValidator(in_range(10, 100_000))] = 1000
    http_channel_timeout: Duration = timedelta(seconds=60)
    http_max_body: Annotated[
        int, BeforeValidator(parse_size), AfterValidator(in_range(1024, 1024 * _MIB))
    ] = 2 * _MIB
    audit_key: Annotated[SecretStr | None, AfterValidator(_audit_key)] = None
    audit_channel: Annotated[str | None, AfterValidator(_channel_id)] = None
    enos: EnosConfig = EnosConfig()
    aliyun: AliyunConfig = AliyunConfig()
    huawei: HuaweiConfig = HuaweiConfig()
    servicepower: ServicePowerConfig = ServicePowerConfig()

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token")
    @classmethod
    def _empty_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty secret, from the environment or ``opsgate.toml``, counts as not set."""
        return empty_secret_is_unset(value)

    @field_validator("enos", "aliyun", "huawei", "servicepower")
    @classmethod
    def _vendor_complete(cls, vendor: BaseModel, info: ValidationInfo) -> BaseModel:
        """Refuse a vendor with some but not all of its credentials, or a non-HTTP URL."""
        check_vendor(vendor, str(info.field_name))
        return vendor

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
        inputs = _LOADING.get()
        if inputs is None:
            return init_settings, _MappingEnvSource(settings_cls, os.environ)
        environ, toml_data = inputs
        toml_source = InitSettingsSource(settings_cls, toml_data)
        return init_settings, _MappingEnvSource(settings_cls, environ), toml_source

    def describe(self) -> dict[str, str]:
        """Every setting as display text, for ``opsgate check``; secrets show as ``****``.

        Keys are TOML-style (``workers``, ``enos.app_key``); unset values read ``(not set)``.
        """
        return describe_model(self)


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


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from `environ` (default ``os.environ``) over the TOML file.

    Args:
        environ: The environment to read; tests pass a dict so nothing leaks in.

    Raises:
        SettingsError: A value is invalid, or ``OPSGATE_CONFIG`` names a missing or
            malformed file. The message names each bad key.
    """
    env = dict(os.environ if environ is None else environ)
    config_file = _config_path(env)
    toml_data = _read_toml(config_file) if config_file else {}
    if config_file is not None:
        toml_data["config_file"] = config_file
    token = _LOADING.set((env, toml_data))
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(explain(exc, Settings)) from None
    finally:
        _LOADING.reset(token)


def _config_path(env: Mapping[str, str]) -> Path | None:
    """The TOML file to read: the one named by OPSGATE_CONFIG (must exist), or the default."""
    named = env.get(CONFIG_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise SettingsError(f"{CONFIG_ENV}: file not found: {path}")
        return path
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's settings: every table but ``[policy]``, which belongs to the policy."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{CONFIG_ENV} ({path}): cannot read: {exc}") from None
    data.pop("policy", None)
    if "config_file" in data:
        raise SettingsError(f"config_file ({path}): set {CONFIG_ENV} instead")
    return data
