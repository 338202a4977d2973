"""Envision EnOS settings: ``OPSGATE_ENOS__BASE_URL``, ``__APP_KEY``, ``__APP_SECRET``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from adapters.settings import VendorSettings


class EnosSettings(VendorSettings):
    """The EnOS API gateway (APIM) and the application's key and secret.

    Attributes:
        base_url: The APIM gateway, e.g. ``https://apim-ppe1.envisioniot.com``.
        app_key: The application's access key.
        app_secret: The application's secret (signs every call; never logged).
    """

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("app_key", "app_secret", "base_url"),
    )
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)

    base_url: str | None = None
    app_key: str | None = None
    app_secret: SecretStr | None = None
