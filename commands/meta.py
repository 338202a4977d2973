"""The commands that are not vendor operations: ``help``, ``history`` and ``status``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from commands.arguments import is_flag, sort_arguments
from commands.catalog import Catalog
from commands.identifiers import show_value
from commands.model import HelpCommand, HistoryCommand, StatusCommand, UsageError
from commands.spec import FlagKind, FlagSpec
from commands.tokens import Word
from commands.values import check_integer

#: How many entries `/ops history` lists, unless told otherwise, and the most it lists.
DEFAULT_HISTORY: Final = 20
MAX_HISTORY: Final = 100
HISTORY_FLAGS: Final = (
    FlagSpec(name="--mine", key="mine", kind=FlagKind.SWITCH, help="only your own requests"),
    FlagSpec(
        name="--unreviewed",
        key="unreviewed",
        kind=FlagKind.SWITCH,
        help="only break-glass requests nobody has reviewed yet",
    ),
    FlagSpec(
        name="--vendor",
        key="vendor",
        kind=FlagKind.TEXT,
        metavar="<vendor>",
        help="only this vendor's requests",
    ),
    FlagSpec(
        name="--limit",
        key="limit",
        kind=FlagKind.NUMBER,
        metavar="<n>",
        low=1,
        high=MAX_HISTORY,
        help=f"how many to list (default {DEFAULT_HISTORY}, at most {MAX_HISTORY})",
    ),
)

_REQUEST_ID: Final = re.compile(r"R-[0-9A-HJKMNP-TV-Z]{8}")
# Crockford base32 reads the easily confused letters as the digits they look like.
_CROCKFORD_ALIASES: Final = str.maketrans({"I": "1", "L": "1", "O": "0"})


def parse_help(words: Sequence[Word], catalog: Catalog) -> HelpCommand:
    """``help [vendor]``, where the vendor is one of `catalog`'s."""
    if not words:
        return HelpCommand()
    usage = catalog.meta_usage("help")
    if len(words) > 1 or is_flag(words[0]):
        raise UsageError("`/ops help` takes at most one word, a vendor.", usage=usage)
    return HelpCommand(vendor=catalog.vendor(words[0].text, field="vendor", usage=usage))


def parse_history(words: Sequence[Word], catalog: Catalog) -> HistoryCommand:
    """``history [--mine] [--unreviewed] [--vendor <v>] [--limit <n>]``, the vendor one of
    `catalog`'s."""
    usage = catalog.meta_usage("history")
    arguments = sort_arguments(
        words, flags=HISTORY_FLAGS, command="/ops history", usage=usage, targets=False
    )
    if arguments.positionals:
        word = show_value(arguments.positionals[0].text)
        message = f"`/ops history` takes only flags; {word} is not one."
        raise UsageError(message, usage=usage)
    given = {name: value for name, (_, value) in arguments.flags.items()}
    vendor, limit = given.get("--vendor"), given.get("--limit")
    return HistoryCommand(
        mine="--mine" in given,
        unreviewed="--unreviewed" in given,
        vendor=None if vendor is None else catalog.vendor(vendor, field="--vendor", usage=usage),
        limit=DEFAULT_HISTORY
        if limit is None
        else check_integer(limit, field="--limit", low=1, high=MAX_HISTORY, usage=usage),
    )


def parse_status(words: Sequence[Word], catalog: Catalog) -> StatusCommand:
    """``status <request-id>``; the id is accepted in any case and returned upper-cased, with
    the id as typed beside it."""
    usage = catalog.meta_usage("status")
    if len(words) != 1 or is_flag(words[0]):
        message = "`/ops status` takes one request id (`/ops history --mine` lists yours)."
        raise UsageError(message, field="request-id", usage=usage)
    typed = words[0].text
    request_id = request_id_of(typed)
    if request_id is None:
        raise UsageError(bad_request_id(typed), field="request-id", usage=usage)
    return StatusCommand(request_id=request_id, typed=typed)


def request_id_of(typed: str) -> str | None:
    """`typed` as a request id, in any case (Crockford's look-alike letters read as the digits
    they look like), or None when it is not one."""
    # ASCII first: str.upper() maps some other letters (dotless ı) onto ASCII ones.
    request_id = typed.upper().translate(_CROCKFORD_ALIASES) if typed.isascii() else ""
    return request_id if _REQUEST_ID.fullmatch(request_id) else None


def bad_request_id(typed: str) -> str:
    """What is said of `typed`, which is not a request id (`request_id_of`): what one looks
    like, and the id meant when only its ``R-`` is missing or misspelt."""
    meant = _meant(typed.upper().translate(_CROCKFORD_ALIASES) if typed.isascii() else "")
    tail = f"; did you mean `{meant}`?" if meant else "."
    return f"Bad request-id {show_value(typed)}: request ids look like R-7K3F9QW2{tail}"


def _meant(typed: str) -> str | None:
    """The request id `typed` (upper-cased) stands for when only its ``R-`` is missing or
    misspelt (``7K3F9QW2``, ``R_7K3F9QW2``, ``R7K3F9QW2``), as the console's commands take it."""
    body = typed if len(typed) == 8 else typed[1:].lstrip("-_") if typed[:1] == "R" else ""
    candidate = f"R-{body}"
    return candidate if _REQUEST_ID.fullmatch(candidate) else None
