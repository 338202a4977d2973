"""Text made from specs and requests: the canonical command line of a request, and help."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

from commands.catalog import Catalog
from commands.model import OperationRequest
from commands.spec import COMMON_FLAGS, FlagKind, FlagSpec, OperationSpec, usage_of
from commands.tokens import quote

#: Longer target lists are shown as their first `ELIDED_SHOWN` and a count.
ELIDE_AFTER: Final = 10
ELIDED_SHOWN: Final = 5
_BARE: Final = re.compile(r"[A-Za-z0-9._:@][A-Za-z0-9._:@-]*")
_META_HELP: Final = (
    "*history*: recent requests and their outcomes (only you see them).",
    "Usage: /ops history [--mine] [--unreviewed] [--vendor <vendor>] [--limit <n>]",
    "*status*: one request with its full timeline (only you see it).",
    "Usage: /ops status <request-id>",
    "*help*: this text, for every vendor or one.",
    "Usage: /ops help [vendor]",
)


def format_command(request: OperationRequest, catalog: Catalog, *, elide: bool = True) -> str:
    """Return the canonical ``/ops ...`` command line for `request`.

    Values that need it are quoted so that `parse` reads the line back as the same request
    (Slack HTML-escapes ``&``, ``<`` and ``>`` in what it sends; `parse` undoes that).

    Args:
        request: A request for one of `catalog`'s operations.
        catalog: The operations opsgate knows.
        elide: Shorten more than `ELIDE_AFTER` targets to ``<first 5> … (+N more)``; such a
            line is for people to read, not to parse.

    Raises:
        KeyError: `request.operation` is not in `catalog`.
    """
    spec = catalog.spec_for(request.operation)
    parts = ["/ops", spec.command, *_targets(request.targets, elide=elide)]
    for flag in spec.flags:
        value = request.params.get(flag.key)
        if flag.kind is FlagKind.SWITCH:
            parts += [flag.name] if value is flag.switch_value else []
        elif value is not None:
            parts += [flag.name, _value(str(value))]
    if request.reason is not None:
        parts += ["--reason", _value(request.reason)]
    if request.break_glass is not None:
        parts += ["--break-glass", _value(request.break_glass)]
    if request.force:
        parts.append("--force")
    if request.dry_run:
        parts.append("--dry-run")
    return " ".join(parts)


def _targets(targets: tuple[str, ...], *, elide: bool) -> list[str]:
    """The targets as words, shortened when there are many and `elide` is set."""
    if not elide or len(targets) <= ELIDE_AFTER:
        return list(targets)
    return [*targets[:ELIDED_SHOWN], f"… (+{len(targets) - ELIDED_SHOWN:,} more)"]


def _value(text: str) -> str:
    """`text` as one command word: bare when that is unambiguous, otherwise quoted."""
    return text if _BARE.fullmatch(text) else quote(text)


def help_text(
    catalog: Catalog, vendor: str | None = None, *, operation_ids: Collection[str] | None = None
) -> str:
    """Return help teaching each operation: summary, usage, flags and a realistic example.

    The text is plain (with ``*bold*`` titles); whoever posts it to Slack escapes ``&<>``.

    Args:
        catalog: The operations opsgate knows.
        vendor: Only this vendor's operations (``/ops help <vendor>``).
        operation_ids: Only these operations, e.g. the ones the asking user may request.
    """
    specs = [
        spec
        for spec in catalog.operations
        if (vendor is None or spec.vendor == vendor)
        and (operation_ids is None or spec.id in operation_ids)
    ]
    sections = [operation_help(spec) for spec in specs]
    if not sections:
        scope = f"{vendor} operations" if vendor else "operations"
        sections.append(f"There are no {scope} you may request.")
    else:
        common = "\n".join(_flag_line(flag) for flag in COMMON_FLAGS)
        sections.append(f"Every operation also takes:\n{common}")
    if vendor is None:
        sections.append("\n".join(_META_HELP))
    return "\n\n".join(sections)


def operation_help(spec: OperationSpec) -> str:
    """One operation's help: title and summary, usage, its own flags, and an example."""
    usage, example = usage_of(spec).splitlines()
    flags = [_flag_line(flag) for flag in spec.flags]
    return "\n".join([f"*{spec.command}*: {spec.summary}", usage, *flags, example])


def _flag_line(flag: FlagSpec) -> str:
    """One indented line of help for a flag."""
    return f"    {flag.name} {flag.metavar}".rstrip() + f": {flag.help}"
