"""Calling a plugin's own code at start-up: its `connect`, `connect_shared` or `sandbox`.

Whatever that code raises (opsgate's own errors, a certificate file that is not there, a bug)
becomes one `PluginStartError` sentence naming the plugin and the error, so ``opsgate`` prints
one line and never a traceback. A careless plugin may put a credential in its error's text, so
every secret setting value of that vendor (and a password written in its base URL) is masked in
the sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr

from adapters.masking import hide_secrets, hide_url_passwords
from adapters.masking import written_forms as written_forms  # where it was first defined
from adapters.plugin import PLUGIN_FAULTS
from adapters.plugin_checks import PluginError
from adapters.settings import VendorSettings

T = TypeVar("T")


class PluginStartError(PluginError):
    """A plugin's `connect`, `connect_shared` or `sandbox` raised: that vendor has no adapter.

    The message is one line naming the plugin and the error's type and text, with every secret
    setting value of the vendor masked.

    Attributes:
        vendor: The plugin's name.
        sandboxed: True when it was the sandbox that could not be built.
    """

    def __init__(self, message: str, *, vendor: str, sandboxed: bool) -> None:
        super().__init__(message)
        self.vendor = vendor
        self.sandboxed = sandboxed


def call_plugin(
    build: Callable[[], T], *, vendor: str, where: str, settings: VendorSettings, sandboxed: bool
) -> T:
    """`build()`, or `PluginStartError` ``"<where> failed to connect: <Type>: <text>"`` (``failed
    to build its sandbox`` when `sandboxed`).

    Args:
        build: The plugin's code, called with no arguments.
        vendor: The plugin's name.
        where: The plugin for people (`Plugins.describe`).
        settings: The vendor's settings: their secret values are masked in the message.
        sandboxed: Whether `build` builds the sandbox.
    """
    try:
        return build()
    except PLUGIN_FAULTS as exc:  # whatever a plugin raises, opsgate names the plugin in one line
        said = one_line(masked(said_by(exc), settings))
        doing = "build its sandbox" if sandboxed else "connect"
        error = PluginStartError(
            f"{where} failed to {doing}: {said}", vendor=vendor, sandboxed=sandboxed
        )
    # Raised here, outside the handler, so the error does not carry the plugin's exception as
    # its context: that text is unmasked, and a traceback printed anywhere would show it.
    raise error


def masked(text: str, settings: BaseModel | None) -> str:
    """`text` with every secret value of `settings` replaced by `MASK`, as written and in the
    forms a request or a log carries it: URL-encoded, JSON-escaped, base64; and the password of
    any URL in it (`hide_url_passwords`), also without `settings`."""
    secrets = secret_values(settings) if settings is not None else iter(())
    return hide_url_passwords(hide_secrets(text, secrets))


def secret_values(settings: BaseModel) -> Iterator[str]:
    """The non-empty value of every `SecretStr` in `settings`, however deep it is held, and the
    password written in any of its `VendorSettings.url_fields` (as written and decoded)."""
    yield from _secrets_in([getattr(settings, name) for name in type(settings).model_fields])
    for name in getattr(settings, "url_fields", ()):
        password = _url_password(getattr(settings, name, None))
        if password:
            yield from {password, unquote(password)}


def _url_password(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url).password
    except ValueError:  # not a URL (`check_url` refuses it): nothing to mask
        return None


def _secrets_in(value: Any) -> Iterator[str]:
    if isinstance(value, SecretStr):
        if value.get_secret_value():
            yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        yield from secret_values(value)
    elif isinstance(value, dict):
        yield from _secrets_in(list(value.values()))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _secrets_in(item)


def one_line(text: str) -> str:
    """`text` with every run of whitespace, line breaks included, as one space."""
    return " ".join(text.split())


def said_by(exc: BaseException) -> str:
    """``<Type>: <text>``, or the type alone when the error has no text."""
    try:
        text = str(exc)
    except Exception:  # a plugin's exception whose own __str__ fails
        text = "(its text cannot be shown)"
    return f"{type(exc).__name__}: {text}" if text.strip() else type(exc).__name__
