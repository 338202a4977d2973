"""The `opsgate` command line: argument parsing (`main`), serving (`runtime`, `serve`) and
`opsgate check` (`checks`)."""

from bot.cli.main import main

__all__ = ["main"]
