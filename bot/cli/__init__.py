"""The `opsgate` command line: argument parsing (`main`), serving (`runtime`, `serve`) and
`opsgate check` (`checks`)."""

import sys

from bot.cli.early import StoppedEarly, sigterm_stops_early, stopped_early
from bot.cli.output import stderr_kept_open

# Before anything below can print: started with stderr closed (``2>&-``), `print` to a None
# `sys.stderr` would write to stdout, where ``HEAD=$(opsgate audit head 2>&-)`` reads data.
stderr_kept_open()
try:
    with sigterm_stops_early():  # SIGTERM while opsgate's modules load (SPEC §13: one line)
        from bot.cli.main import main
except StoppedEarly:
    line, status = stopped_early(serving=sys.argv[1:2] == ["serve"])
    print(f"opsgate: {line}", file=sys.stderr)
    raise SystemExit(status) from None
except KeyboardInterrupt:  # Ctrl-C while opsgate's modules load (SPEC §13: no traceback)
    print(file=sys.stderr)
    raise SystemExit(130) from None

__all__ = ["main"]
