"""Suite-wide test settings, and the throwaway PostgreSQL server the PostgreSQL tests share."""

from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import stamina
from postgres_server import postgres_server, server_bin

#: Set (as `.ci/run` does) to make a missing PostgreSQL fail the suite instead of skipping.
REQUIRE_ENV = "OPSGATE_REQUIRE_POSTGRES"
#: A server the suite may create and drop databases on, instead of starting its own.
URL_ENV = "OPSGATE_TEST_DATABASE_URL"
SKIP_REASON = (
    "PostgreSQL tests skipped: install PostgreSQL's server (apt-get install postgresql) "
    f"or set {URL_ENV}"
)
_LEFT_OUT = pytest.StashKey[int]()


def _without_postgres() -> bool:
    """No server to test against, and none required."""
    available = os.environ.get(URL_ENV) or server_bin() is not None
    return not available and not os.environ.get(REQUIRE_ENV)


def _needs_postgres(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "postgres_url" in names or "[postgresql" in item.nodeid


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, its tests are left out, and `pytest_terminal_summary` says so once."""
    if not _without_postgres():
        return
    left_out = [item for item in items if _needs_postgres(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _needs_postgres(item)]
        config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    left_out = terminalreporter.config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} {SKIP_REASON}", yellow=True)


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_reaches_children() -> Iterator[None]:
    """Tests press Ctrl-C in child processes (the console). A shell that starts the suite in the
    background (``make test &``, some CI runners) ignores SIGINT for it, and an ignored signal
    stays ignored in every child, so those presses would never land. Python's own handler is
    put back for the session; children then start with SIGINT's default, as from a terminal."""
    if signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(autouse=True)
def _logger_levels_restored() -> Iterator[None]:
    """Each logger's level as it was before the test: `opsgate` commands run in-process set
    some (the console quiets retries), which would hide lines from the tests after them."""
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    levels = {logger: logger.level for logger in loggers if isinstance(logger, logging.Logger)}
    yield
    for logger, level in levels.items():
        if logger.level != level:
            logger.setLevel(level)


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries still happen with their configured attempt counts, but without backoff sleeps."""
    stamina.set_testing(True, attempts=100, cap=True)
    yield
    stamina.set_testing(False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for this run: `URL_ENV`'s, or a private one started here."""
    given = os.environ.get(URL_ENV)
    if given:
        yield given
        return
    if server_bin() is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL's server is not installed")
        pytest.skip(SKIP_REASON)
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a fresh, empty database on the suite's server, dropped afterwards."""
    name = f"opsgate_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(postgres_url)._replace(path=f"/{name}"))
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """An opsgate database of each kind in turn: a SQLite file, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "opsgate.db"
    url: str = request.getfixturevalue("postgres_database")
    return url
