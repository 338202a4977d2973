"""`verify`'s worker processes: this interpreter running `bot.store.quickchain` as a script
(``python -I``, so it starts in milliseconds without importing opsgate). Each takes one JSON
request on its stdin and prints one JSON answer; a key travels only through that pipe."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from bot.store import quickchain

WORKER: Final = Path(quickchain.__file__)


def start(asked: dict[str, Any]) -> subprocess.Popen[bytes]:
    """A worker, given `asked`; OSError when no process can be had."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-I", str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(asked).encode())
        process.stdin.close()
    except OSError:
        stop([process])
        raise
    return process


def answer(process: subprocess.Popen[bytes]) -> dict[str, Any] | None:
    """What the worker answered, once it has ended; None when it failed or said nonsense."""
    assert process.stdout is not None
    output = process.stdout.read()
    process.stdout.close()
    if process.wait() != 0:
        return None
    try:
        answered = json.loads(output)
    except ValueError:
        return None
    return answered if isinstance(answered, dict) else None


def stop(workers: Sequence[subprocess.Popen[bytes]]) -> None:
    """Kill the workers still running, and close every pipe to them."""
    for process in workers:
        if process.poll() is None:
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
