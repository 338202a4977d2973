"""The console's log level (README "Settings": ``OPSGATE_LOG_LEVEL``, default ``INFO``; the
console defaults to ``WARNING``). A level set anywhere settings are read, ``opsgate.toml``
included, is the level the console uses; an empty variable is no setting, so the console's
own default holds."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from adapters.http import RETRY_LOGGER
from bot.cli.main import _configure_logging
from bot.settings import Settings


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root, retries, httpx_log = (
        logging.getLogger(),
        logging.getLogger(RETRY_LOGGER),
        logging.getLogger("httpx"),
    )
    kept = (root.level, list(root.handlers), retries.level, httpx_log.level)
    yield
    root.setLevel(kept[0])
    root.handlers[:] = kept[1]
    retries.setLevel(kept[2])
    httpx_log.setLevel(kept[3])


def test_a_level_given_in_the_settings_file_is_the_consoles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPSGATE_LOG_LEVEL", raising=False)
    settings = Settings(log_level="DEBUG")  # as opsgate.toml's log_level = "debug" gives it

    _configure_logging(settings, console=True)

    assert logging.getLogger().level == logging.DEBUG


def test_an_empty_variable_leaves_the_console_at_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGATE_LOG_LEVEL", "")

    _configure_logging(Settings(), console=True)

    assert logging.getLogger().level == logging.WARNING


def test_serve_keeps_info_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSGATE_LOG_LEVEL", raising=False)

    _configure_logging(Settings(), console=False)

    assert logging.getLogger().level == logging.INFO
