"""The `opsgate` command line: argument parsing (`main`), serving (`runtime`, `serve`) and
`opsgate check` (`checks`)."""

try:
    from bot.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while opsgate's modules load (SPEC §13: no traceback)
    import sys

    print(file=sys.stderr)
    raise SystemExit(130) from None

__all__ = ["main"]
