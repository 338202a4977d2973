"""A console session as the console tests drive it: a file database and a policy file of
their own in the test's folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.console.session import ConsoleSession
from bot.settings import load_settings


@contextmanager
def console_session(folder: Path, policy: str = "") -> Iterator[ConsoleSession]:
    """A session whose ``opsgate.toml`` holds `policy` (empty: the default policy) and whose
    log is ``console.db``, both in `folder`."""
    config = folder / "opsgate.toml"
    config.write_text(policy)
    settings = load_settings({"OPSGATE_CONFIG": str(config)})
    with ConsoleSession(settings, db=folder / "console.db") as session:
        yield session
