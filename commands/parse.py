"""The entry point: slash-command text in, a typed, validated command out.

Grammar: ``<vendor> <resource> <action> <targets...> [--flag value | --flag=value]...``, or
``help [vendor]``, ``history [--mine] [--unreviewed] [--vendor <v>] [--limit <n>]``,
``status <request-id>``.
Empty text asks for help; a leading ``/ops`` is ignored. `parse` raises nothing but `UsageError`,
whatever the text. The operations come from the `Catalog` it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from commands.arguments import is_flag
from commands.catalog import Catalog
from commands.meta import parse_help, parse_history, parse_status
from commands.model import HelpCommand, ParsedCommand, UsageError
from commands.operation import build_request
from commands.render import format_command, help_text
from commands.spec import UsageTerms
from commands.tokens import Word, split_words, unescape_slack

__all__ = ["MAX_TEXT_LENGTH", "Catalog", "format_command", "help_text", "parse"]

#: Room for 10,000 targets of 32 characters with separators and flags.
MAX_TEXT_LENGTH: Final = 500_000
_META: Final[dict[str, Callable[[Sequence[Word], Catalog], ParsedCommand]]] = {
    "help": parse_help,
    "history": parse_history,
    "status": parse_status,
}


def parse(
    text: str, catalog: Catalog, *, terms: Callable[[str], UsageTerms] | None = None
) -> ParsedCommand:
    """Parse the text after ``/ops`` (as Slack sends it, HTML-escaped) into a command.

    Args:
        text: The command text.
        catalog: The operations opsgate knows.
        terms: The policy's terms of an operation (by id), so that a count over the
            operation's limit is told the limit that applies.

    Raises:
        UsageError: The text is not a valid command; the error names the bad field where there
            is one and carries the usage of the nearest valid command.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise UsageError(f"The command is too long ({len(text):,} characters).")
    words = split_words(unescape_slack(text))
    # Pasting a whole command line (say, from `format_command` or a card) should just work.
    if words and words[0].bare and words[0].text.lower() == "/ops":
        words = words[1:]
    if not words:
        return HelpCommand()
    meta = _META.get(words[0].text.lower())
    if meta is not None:
        return meta(words[1:], catalog)
    command = []
    for word in words[:3]:
        if is_flag(word):
            break
        command.append(word.text.lower())
    spec = catalog.find_operation(command or [words[0].text.lower()])
    return build_request(spec, words[len(command) :], elsewhere=catalog.flag_homes, terms=terms)
