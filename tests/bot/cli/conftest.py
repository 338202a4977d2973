"""The command line's tests share one clean environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: no real settings leak in; an empty `opsgate.toml` and the default
    database (`opsgate.db`) live in tmp_path, which is returned."""
    for name in list(os.environ):
        if name.startswith(("OPSGATE_", "SLACK_")):
            monkeypatch.delenv(name)
    (tmp_path / "opsgate.toml").write_text("")
    monkeypatch.setenv("OPSGATE_CONFIG", str(tmp_path / "opsgate.toml"))
    monkeypatch.setenv("OPSGATE_DB", str(tmp_path / "opsgate.db"))
    return tmp_path
