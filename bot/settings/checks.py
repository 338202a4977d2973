"""The checks and messages behind `bot.settings`: vendor completeness, URLs, error text, display.

Kept apart from the `Settings` model so that module stays a readable list of fields.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from adapters.config import ServicePowerConfig

#: Fields that must be set together: once one is, each of the others is required too.
_TOGETHER: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "EnosConfig": (("app_key", "app_secret", "base_url"),),
    "AliyunConfig": (("access_key_id", "access_key_secret"),),
    "HuaweiConfig": (("app_id", "secret", "base_url"), ("client_cert", "client_key")),
    "ServicePowerConfig": (("client_id", "client_secret"),),
}
_URL_FIELDS: Final = ("base_url", "endpoint")
_MESSAGES: Final[dict[str, str]] = {
    "extra_forbidden": "unknown setting",
    "bool_parsing": "must be true or false (or 1 or 0)",
    "bool_type": "must be true or false (or 1 or 0)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "string_type": "must be a string",
    "model_type": "must be a table of settings",
    "model_attributes_type": "must be a table of settings",
}
NOT_SET: Final = "(not set)"
SECRET_SHOWN: Final = "****"  # noqa: S105 -- the mask shown instead of a secret


def check_url(value: str, *, field: str | None = None) -> None:
    """Refuse anything but an absolute http:// or https:// URL with a host.

    Plain http is allowed on purpose: simulators and tests serve it.
    """
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        ctx = {"field": field} if field else None
        raise PydanticCustomError("http_url", "must be an http:// or https:// URL", ctx)


def _is_set(value: Any) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return value is not None and value != ""


def _require(vendor: str, missing: str, given: str) -> PydanticCustomError:
    return PydanticCustomError(
        "missing_credential",
        "required when {given} is set",
        {"field": missing, "given": f"{vendor}.{given}"},
    )


def check_vendor(config: BaseModel, vendor: str) -> None:
    """Refuse a vendor with a bad URL or with some but not all of its credentials.

    Raises:
        PydanticCustomError: With ``ctx["field"]`` naming the offending field in the vendor.
    """
    for name in _URL_FIELDS:
        value = getattr(config, name, None)
        if value is not None:
            check_url(value, field=name)
    for group in _TOGETHER[type(config).__name__]:
        present = [name for name in group if _is_set(getattr(config, name))]
        missing = [name for name in group if name not in present]
        if present and missing:
            raise _require(vendor, missing[0], present[0])
    if isinstance(config, ServicePowerConfig):
        _check_servicepower(config, vendor)


def _check_servicepower(config: ServicePowerConfig, vendor: str) -> None:
    """A base URL needs a token or client credentials, and either needs a base URL."""
    has_auth = _is_set(config.token) or _is_set(config.client_id)
    if _is_set(config.base_url) and not has_auth:
        raise _require(vendor, "token", "base_url")
    if has_auth and not _is_set(config.base_url):
        given = "token" if _is_set(config.token) else "client_id"
        raise _require(vendor, "base_url", given)


def explain(exc: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem: ``ENV_NAME (toml.key): why``."""
    return "\n".join(_explain_one(error, model) for error in exc.errors())


def _explain_one(error: ErrorDetails, model: type[BaseModel]) -> str:
    path = [_field_name(model, str(error["loc"][0]))] if error["loc"] else []
    path += [str(part) for part in error["loc"][1:]]
    ctx = error.get("ctx") or {}
    if "field" in ctx:
        path.append(str(ctx["field"]))
    why = _MESSAGES.get(error["type"], error["msg"])
    return f"{env_name(model, path)} ({'.'.join(path)}): {why}"


def _field_name(model: type[BaseModel], key: str) -> str:
    """Map a validation alias (``SLACK_BOT_TOKEN``) back to its field name."""
    for name, info in model.model_fields.items():
        if info.validation_alias == key:
            return name
    return key


def env_name(model: type[BaseModel], path: list[str]) -> str:
    """The environment variable that sets the setting at `path` (``OPSGATE_ENOS__APP_KEY``)."""
    info = model.model_fields.get(path[0]) if path else None
    if info is not None and isinstance(info.validation_alias, str) and len(path) == 1:
        return info.validation_alias
    return "OPSGATE_" + "__".join(part.upper() for part in path)


def describe_model(model: BaseModel, prefix: str = "") -> dict[str, str]:
    """Every field of `model` as display text; nested models are flattened to dotted keys."""
    shown: dict[str, str] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            shown.update(describe_model(value, f"{prefix}{name}."))
        else:
            shown[f"{prefix}{name}"] = _display(value)
    return shown


def _display(value: Any) -> str:
    if isinstance(value, SecretStr):
        return SECRET_SHOWN if value.get_secret_value() else NOT_SET
    if value is None:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
