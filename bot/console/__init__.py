"""`opsgate console`: the REPL (`repl`, its banner and help in `greeting`), its session
(`session`), terminal rendering of Block Kit (`render`), and the stand-in for Slack it drives the
real app through (`standin`)."""

from bot.console.repl import run_console

__all__ = ["run_console"]
