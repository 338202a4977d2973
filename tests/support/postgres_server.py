"""A throwaway PostgreSQL server for the suite and the benchmarks: ``initdb`` and ``pg_ctl`` into
a temporary folder, listening on 127.0.0.1 (a free port) and a private unix socket only.

`initdb` refuses to run as root, and CI and development sessions run as root: the server then
runs as the ``postgres`` user (``runuser -u postgres --``), in a folder that user owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

#: Where Debian puts PostgreSQL's server programs; ``OPSGATE_PG_BIN`` names another folder.
CANDIDATE_BINS: Final = (
    tuple(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    if Path("/usr/lib/postgresql").is_dir()
    else ()
)
#: Settings for a disposable test server: durability off, it is thrown away anyway.
FAST: Final = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


#: ``pg_ctl`` and its arguments for each server `postgres_server` is running, by its URL.
_STARTED: dict[str, list[str]] = {}


def restart(url: str) -> None:
    """Restart the server `postgres_server` gave `url` (``pg_ctl restart -m fast``): every
    connection to it is closed, as a failover or an operator's restart closes them."""
    _run(
        [*_STARTED[url], "-l", str(Path(_STARTED[url][2]).parent / "log"), "-m", "fast", "restart"]
    )


def stop(url: str) -> None:
    """Stop the server `postgres_server` gave `url` (``pg_ctl stop -m fast``: every connection
    closes, what was committed is kept); `start` starts it again."""
    _run([*_STARTED[url], "-m", "fast", "stop"])


def start(url: str) -> None:
    """Start the server `stop` stopped."""
    _run([*_STARTED[url], "-l", str(Path(_STARTED[url][2]).parent / "log"), "start"])


def server_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    named = os.environ.get("OPSGATE_PG_BIN")
    candidates = [Path(named)] if named else list(CANDIDATE_BINS)
    return next((c for c in candidates if (c / "initdb").is_file()), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(args: list[str]) -> None:
    subprocess.run(
        [*_as_server_user(), *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@contextmanager
def postgres_server(*, durable: bool = False) -> Iterator[str]:
    """Start a private server; yield the URL of its database ``opsgate``; stop and delete it.

    Args:
        durable: Keep PostgreSQL's default durability (for benchmarks); off for tests.

    Raises:
        RuntimeError: PostgreSQL's server programs are not installed.
    """
    bin_dir = server_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="opsgate-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
    data, port = base / "data", _free_port()
    options = f"-k {base} -h 127.0.0.1 -p {port}" + ("" if durable else " " + " ".join(FAST))
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--locale=C",
                "-E",
                "UTF8",
            ]
        )
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(base / "log"),
                "start",
            ]
        )
        _run(
            [
                str(bin_dir / "createdb"),
                "-h",
                str(base),
                "-p",
                str(port),
                "-U",
                "postgres",
                "opsgate",
            ]
        )
        url = f"postgresql://postgres@127.0.0.1:{port}/opsgate"
        _STARTED[url] = [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w"]
        yield url
    finally:
        _STARTED.pop(f"postgresql://postgres@127.0.0.1:{port}/opsgate", None)
        subprocess.run(
            [
                *_as_server_user(),
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)
