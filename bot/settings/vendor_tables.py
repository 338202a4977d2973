"""A vendor plugin's settings model, as one table of the settings, read so that its own code
can neither crash start-up nor show a secret.

A plugin's validators (`VendorSettings.check_credentials`, its own ``field_validator``) run as
the settings are read. One that raises something other than `ValueError` (a bug: a `KeyError`,
an `AttributeError`) would escape as a traceback: `guarded` makes it one problem of the
vendor's table, naming the error. One whose message quotes the value it refuses would print a
secret: `secret_inputs` lists every value given for a secret setting, so that the message is
masked (`adapters.masking`) before it is shown.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, SecretStr, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from adapters.masking import hide_secrets, hide_url_passwords
from adapters.plugin import PLUGIN_FAULTS
from adapters.settings import VendorSettings


def guarded(model: type[VendorSettings]) -> Any:
    """`model`, as the annotation of its table: whatever other than a validation error its own
    code raises while it is read, or asked whether it is `configured` (a property a plugin may
    override), is a problem of that table (``its settings model failed reading them: KeyError:
    'x'``), said as every other one is, never a traceback later."""

    def read(value: object, handler: Callable[[object], object]) -> object:
        try:
            built = handler(value)
            _ = isinstance(built, VendorSettings) and built.configured  # its own code too, once
            return built
        except ValidationError:
            raise
        except PLUGIN_FAULTS as exc:  # the plugin's own code: said, never a traceback
            said = f"{type(exc).__name__}: {exc}" if str(exc).strip() else type(exc).__name__
            raise PydanticCustomError(
                "plugin_settings_failed",
                "its plugin's settings model failed reading them: {said}",
                {"said": " ".join(said.split())},
            ) from None

    return Annotated[model, WrapValidator(read)]


def masked(
    text: str, model: type[BaseModel], env: Mapping[str, str], toml: Mapping[str, Any]
) -> str:
    """`text` with every value given for a secret setting of a vendor's table of `model`
    (`secret_inputs`), and any URL's password, shown as ``****``."""
    return hide_url_passwords(hide_secrets(text, secret_inputs(model, env, toml)))


def secret_inputs(
    model: type[BaseModel], env: Mapping[str, str], toml: Mapping[str, Any]
) -> Iterator[str]:
    """Each value that `env` (``OPSGATE_<VENDOR>__<FIELD>``, any case) or `toml`
    (``[<vendor>]`` ``<field> = …``) gives a `SecretStr` field of a vendor's table of `model`,
    however short (`hide_secrets` masks a short one only where it stands whole)."""
    variables = {key.upper(): value for key, value in env.items()}
    for table, info in model.model_fields.items():
        vendor = info.annotation
        if not (isinstance(vendor, type) and issubclass(vendor, VendorSettings)):
            continue
        in_file = toml.get(table)
        for name, field in vendor.model_fields.items():
            if not _holds_secret(field.annotation):
                continue
            given = [variables.get(f"OPSGATE_{table.upper()}__{name.upper()}")]
            if isinstance(in_file, Mapping):
                given.append(in_file.get(name))
            yield from (v for v in given if isinstance(v, str) and v.strip())


def _holds_secret(annotation: Any) -> bool:
    """True for ``SecretStr`` and ``SecretStr | None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_holds_secret(member) for member in typing.get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, SecretStr)
