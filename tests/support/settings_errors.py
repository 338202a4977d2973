"""The message opsgate's settings refuse an environment with."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


def settings_error(environ: dict[str, str]) -> str:
    """The message `load_settings` refuses `environ` with."""
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    return caught.value.message
