"""OPSGATE_AUDIT_KEY and OPSGATE_AUDIT_CHANNEL (SPEC §9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import SettingsError, load_settings

KEY = "an-audit-key-of-32-characters-ok"


def test_the_audit_key_is_a_secret_never_shown() -> None:
    settings = load_settings({"OPSGATE_AUDIT_KEY": KEY, "OPSGATE_AUDIT_CHANNEL": "C0AUDIT"})

    assert isinstance(settings.audit_key, SecretStr)
    assert settings.audit_key.get_secret_value() == KEY
    assert settings.audit_channel == "C0AUDIT"
    assert KEY not in repr(settings) and KEY not in str(settings.describe())
    assert settings.describe()["audit_key"] == "****"


def test_an_empty_audit_key_is_no_key(tmp_path: Path) -> None:
    (tmp_path / "opsgate.toml").write_text('audit_key = ""\n')

    assert load_settings({"OPSGATE_AUDIT_KEY": ""}).audit_key is None
    assert load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")}).audit_key is None


def test_an_audit_key_of_only_whitespace_is_no_key(tmp_path: Path) -> None:
    # As every other secret: blank is not set, never a guessable key of 16 spaces.
    (tmp_path / "opsgate.toml").write_text('audit_key = "                    "\n')

    assert load_settings({"OPSGATE_AUDIT_KEY": " " * 20}).audit_key is None
    assert load_settings({"OPSGATE_AUDIT_KEY": "\t \n" * 8}).audit_key is None
    assert load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")}).audit_key is None


def test_a_short_audit_key_is_refused_without_showing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"OPSGATE_AUDIT_KEY": "hunter2"})

    assert "OPSGATE_AUDIT_KEY (audit_key): must be at least 16 characters" in caught.value.message
    assert "hunter2" not in caught.value.message


def test_an_audit_key_holding_bytes_that_are_not_utf8_is_refused_by_name() -> None:
    # No key can be made of such bytes: it was a traceback wherever the key was first used.
    with pytest.raises(SettingsError) as caught:
        load_settings({"OPSGATE_AUDIT_KEY": "an-audit-key-Zq7Kw9\udcff"})

    assert caught.value.message == "OPSGATE_AUDIT_KEY (audit_key): is not valid UTF-8"


def test_the_audit_channel_must_be_a_channel_id() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"OPSGATE_AUDIT_CHANNEL": "#audit"})

    assert "OPSGATE_AUDIT_CHANNEL (audit_channel): must be a Slack channel id" in str(caught.value)
