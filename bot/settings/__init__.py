"""opsgate's settings (SPEC §6): the core model (`core`), reading it with each vendor plugin's
table (`load`), and the messages behind both (`checks`), each naming its key where it was set
(`origin`)."""

from bot.settings.core import Settings, SettingsError
from bot.settings.load import load_settings, settings_model

__all__ = ["Settings", "SettingsError", "load_settings", "settings_model"]
