"""The HTTP server's connection limit under the process's open-file limit."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: Builds the server as `serve --http` does, prints its connection limit and the soft limit.
SERVER = """
import logging, resource
from bot.cli.http_server import HttpServer
from bot.settings import load_settings
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
settings = load_settings({"OPSGATE_HTTP_CONNECTION_LIMIT": "1000"})
server = HttpServer(lambda e, s: [], host="127.0.0.1", port=0, settings=settings)
print(server.connection_limit, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
server.close()
"""


def serve_under(soft: int, hard: int, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-c", SERVER],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_hard_open_file_limit_too_low_lowers_the_connection_limit_and_says_so(
    tmp_path: Path,
) -> None:
    done = serve_under(64, 64, tmp_path)
    assert done.stdout.split() == ["32", "64"]  # half of 64 kept for the database, logs, calls
    [warning] = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert "the hard open-file limit is 64, too low for OPSGATE_HTTP_CONNECTION_LIMIT=1000" in (
        warning
    )
    assert "accepting at most 32 connections at once; raise the hard limit" in warning


def test_a_hard_limit_that_allows_it_raises_the_soft_limit_silently(tmp_path: Path) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1256:
        pytest.fail(f"this machine's hard open-file limit ({hard}) is below what the test needs")
    done = serve_under(64, 1256, tmp_path)
    assert done.stdout.split() == ["1000", "1256"]
    assert "WARNING" not in done.stderr
