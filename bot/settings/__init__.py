"""opsgate's settings (SPEC §6): the model and its loading (`core`), and the checks and messages
behind it (`checks`)."""

from bot.settings.core import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
