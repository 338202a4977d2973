"""What the benchmarks share: a free port, the Slack stand-in in a process of its own, the
command that serves opsgate over HTTP, and percentiles. Not a benchmark itself."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_http_command(port: int | str) -> list[str]:
    """`opsgate serve --http` on 127.0.0.1:`port`, as a child process's argument list."""
    serve = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "bot.cli", *serve]


@contextmanager
def standin_process(latency: float = 0.0) -> Iterator[str]:
    """The local Slack stand-in in a process of its own, as the real Slack is (answering every
    call after `latency` seconds): the clients' timings must not share a GIL with the work
    opsgate's cards cause at "Slack". Yields its Web API base URL."""
    code = (
        "import sys\n"
        "from bot.console.standin.server import SlackStandIn\n"
        f"s = SlackStandIn(latency={latency!r}).start()\n"
        "print(s.api_url, flush=True)\n"
        "sys.stdin.read()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait(timeout=10)


def percentile(values: list[float], pct: float) -> float:
    """The `pct`th percentile (0.1 steps), interpolated."""
    if len(values) == 1:  # quantiles needs two; every percentile of one value is that value
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(pct * 10) - 1]
