"""What a plugin's settings model must be before opsgate builds one (`check_settings_model`):
every field its `VendorSettings.required_together`, `url_fields`, `header_secrets` and
`credential_urls` name is one of its fields, each credential URL is a URL field, each header
secret is a `SecretStr`, and so is every field named like a secret (`looks_secret`), so that no
secret can be shown, logged or left unmasked (or sent in clear unwarned) because of a typo or a
plain ``str``. Each problem is one sentence naming the plugin and saying the fix."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, Final

from pydantic import SecretStr

from adapters.settings import VendorSettings

#: The last word of a field name that holds a secret (``client_secret``, ``api_token``, ...).
SECRET_WORDS: Final = frozenset(
    {"secret", "token", "password", "passwd", "passphrase", "apikey", "credential", "credentials"}
)
#: The last two words of one (``api_key``, ``private_key``); a bare ``key`` may be an id.
SECRET_PAIRS: Final = frozenset({("api", "key"), ("private", "key"), ("secret", "key")})


class SettingsModelError(Exception):
    """The settings model cannot be used; the message follows the plugin's own name."""


def check_settings_model(model: type[VendorSettings]) -> None:
    """Raise `SettingsModelError` for the first problem of `model`'s declarations."""
    _check_shapes(model)
    fields = model.model_fields
    named = [("required_together", name) for group in model.required_together for name in group]
    named += [("url_fields", name) for name in model.url_fields]
    named += [("header_secrets", name) for name in model.header_secrets]
    named += [("credential_urls", name) for name in model.credential_urls]
    for where, name in named:
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (fields: {', '.join(fields)})"
            raise SettingsModelError(
                f"names {name!r} in {model.__name__}.{where}, but it has no such field{hint}"
            )
    for name in model.credential_urls:
        if name not in model.url_fields:
            raise SettingsModelError(
                f"lists {name!r} in {model.__name__}.credential_urls, but not in url_fields; "
                "list it there too, so that it is checked as a URL"
            )
    for name, info in fields.items():
        text = _holds_text(info.annotation)
        if name in model.header_secrets and not _holds_secret(info.annotation):
            raise SettingsModelError(
                f"lists {name!r} in {model.__name__}.header_secrets, but it is not a SecretStr; "
                f"declare it `{name}: SecretStr | None = None`"
            )
        if text and looks_secret(name) and not _holds_secret(info.annotation):
            raise SettingsModelError(
                f"declares the setting {name!r} as plain text; a secret must be a pydantic "
                f"SecretStr (`{name}: SecretStr | None = None`) so that it is masked as **** "
                "and never logged"
            )


def _check_shapes(model: type[VendorSettings]) -> None:
    """Each declaration is of the shape its annotation says. A missing comma (``("base_url")``
    is the text ``base_url``; ``(("base_url", "token"))`` one group's names, not a group) would
    otherwise be read letter by letter, and a tuple for `credential_urls` fail only as the
    adapter is built."""
    name = model.__name__
    for where, example in (("url_fields", '("base_url",)'), ("header_secrets", '("token",)')):
        names = getattr(model, where)
        if not _names(names):
            raise SettingsModelError(
                f"declares {name}.{where} as {_shown(names)}, not a tuple of field names; write "
                f"it like `{where} = {example}` (a tuple of one needs its comma)"
            )
    groups = model.required_together
    if not (isinstance(groups, _SEQUENCES) and all(_names(group) for group in groups)):
        raise SettingsModelError(
            f"declares {name}.required_together as {_shown(groups)}, not a tuple of groups of "
            'field names; write it like `required_together = (("base_url", "token"),)` (the '
            "comma after the group makes it a tuple of one group)"
        )
    carried = model.credential_urls
    if not (
        isinstance(carried, Mapping) and all(_text(k) and _text(v) for k, v in carried.items())
    ):
        raise SettingsModelError(
            f"declares {name}.credential_urls as {_shown(carried)}, not a mapping from each field "
            "name to what its requests carry; write it like `credential_urls = "
            '{"base_url": "every call sends the token"}`'
        )


#: What a declaration of names may be: a tuple as annotated, or any such collection (not text).
_SEQUENCES: Final = (tuple, list, set, frozenset)


def _names(value: object) -> bool:
    """True for a tuple (or list, or set) of field names."""
    return isinstance(value, _SEQUENCES) and all(_text(name) for name in value)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _shown(value: object) -> str:
    """What a declaration holds, for a message: its value when short, else its type."""
    shown = repr(value)
    return shown if len(shown) <= 60 else f"a {type(value).__name__}"


def looks_secret(name: str) -> bool:
    """True for a field name that says it holds a secret: its last word is one of
    `SECRET_WORDS`, or its last two are one of `SECRET_PAIRS` (``token_url`` is no secret)."""
    words = tuple(name.lower().split("_"))
    return words[-1] in SECRET_WORDS or words[-2:] in SECRET_PAIRS


def _members(annotation: Any) -> tuple[Any, ...]:
    """The types an annotation admits: ``str | None`` is ``(str, NoneType)``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(typing.get_args(annotation))
    return (annotation,)


def _holds_text(annotation: Any) -> bool:
    return any(isinstance(t, type) and issubclass(t, str) for t in _members(annotation))


def _holds_secret(annotation: Any) -> bool:
    return any(isinstance(t, type) and issubclass(t, SecretStr) for t in _members(annotation))
