"""Sort the words after a command into positional words and flags (with their raw values).

Shape only: which words are flags, which flag each is, and which words are its value. Values are
checked afterwards by whoever knows what they mean.

Positional words (the targets) come first and flags after (SPEC §8), so a typo can never add a
target: a bare word after the first flag is either part of a flag that takes several words
(``--reason bad firmware rollout``) or a usage error naming it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from commands.identifiers import show_value
from commands.model import UsageError
from commands.spec import FlagKind, FlagSpec
from commands.tokens import DASHES, Word

# Long enough for any real flag; a longer typo is not worth comparing or echoing in full.
_MAX_FIELD: Final = 64
# A number flag's value may be typed negative; it is then out of range, not a missing value.
_NEGATIVE: Final = re.compile(r"-[0-9]+")


@dataclass
class Arguments:
    """The words of one command sorted into positionals and flags.

    Attributes:
        positionals: The words before the first flag, split at commas (quoted ones keep
            ``bare=False``, so only what was typed bare is read as a range).
        flags: Each flag given, by name, with its raw value (``""`` for a switch).
    """

    positionals: list[Word] = field(default_factory=list)
    flags: dict[str, tuple[FlagSpec, str]] = field(default_factory=dict)


def is_flag(word: Word) -> bool:
    """True when `word` is meant as a flag: unquoted and starting with a dash or a look-alike."""
    return word.bare and word.text[:1] in DASHES | {"-"}


def flag_name(text: str) -> tuple[str, str | None]:
    """Split ``--flag=value`` into the normalised flag name and the inline value (or None).

    Leading dashes with a look-alike among them (``—``, ``−−``, ``—-``) read as the ``--``
    meant: one em dash is how Slack writes a typed ``--``, so their count says nothing.
    """
    name, equals, value = text.partition("=")
    rest = name.lstrip("-" + "".join(DASHES))
    if any(char in DASHES for char in name[: len(name) - len(rest)]):
        name = "--" + rest
    return name.lower(), value if equals else None


def sort_arguments(
    words: Sequence[Word], *, flags: Sequence[FlagSpec], command: str, usage: str
) -> Arguments:
    """Sort `words` into positionals and `flags`, taking each flag's value where it has one.

    Args:
        words: The words after the command words.
        flags: The flags the command takes.
        command: The command, for messages, e.g. ``"/ops acme widget delete"``.
        usage: The usage text to attach to errors.

    Raises:
        UsageError: An unknown or repeated flag, a value missing or given to a switch, or a
            bare word after the flags that belongs to none of them.
    """
    arguments = Arguments()
    index, last = 0, None
    while index < len(words):
        word = words[index]
        index += 1
        if not is_flag(word):
            if last is not None:
                raise _stray_word(word, last, usage)
            arguments.positionals.extend(_split_commas(word))
            continue
        name, value = flag_name(word.text)
        typed = word.text.partition("=")[0]
        last = _known_flag(name, typed=typed, flags=flags, command=command, usage=usage)
        if last.name in arguments.flags:
            raise UsageError(f"{last.name} is given twice; give it once.", field=name, usage=usage)
        if value is None and last.takes_value:
            value = _next_value(last, words, index, usage)
            index += 1
        if value is not None and not last.takes_value:
            raise UsageError(f"{last.name} takes no value.", field=last.name, usage=usage)
        if last.many_words:
            value, index = _more_words(value or "", words, index)
        arguments.flags[last.name] = (last, value or "")
    return arguments


def _more_words(value: str, words: Sequence[Word], index: int) -> tuple[str, int]:
    """Extend a many-word value with every word up to the next flag; return it and where the
    next flag starts."""
    taken = [value]
    while index < len(words) and not is_flag(words[index]):
        taken.append(words[index].text)
        index += 1
    return " ".join(taken), index


def _stray_word(word: Word, last: FlagSpec, usage: str) -> UsageError:
    """The error for a bare word after the flags that no flag takes."""
    shown = show_value(word.text)
    message = (
        f"{shown} comes after {last.name}, which takes "
        f"{'no value' if not last.takes_value else 'one value'}: put the targets before the "
        f"first flag, and quote a value that has spaces."
    )
    return UsageError(message, field=word.text[:_MAX_FIELD], usage=usage)


def _next_value(flag: FlagSpec, words: Sequence[Word], index: int, usage: str) -> str:
    """The word at `index` as the value of `flag`, which must not be missing or a flag."""
    if (
        index < len(words)
        and flag.kind is FlagKind.NUMBER
        and _NEGATIVE.fullmatch(words[index].text)
    ):
        return words[index].text
    if index == len(words) or is_flag(words[index]):
        message = f"{flag.name} needs a value: {flag.name} {flag.metavar}."
        raise UsageError(message, field=flag.name, usage=usage)
    return words[index].text


def _split_commas(word: Word) -> list[Word]:
    """Split a word at commas; a lone empty word is kept so it is reported, not ignored."""
    if "," not in word.text:
        return [word]
    return [Word(part, bare=word.bare) for part in word.text.split(",") if part]


def _known_flag(
    name: str, *, typed: str, flags: Sequence[FlagSpec], command: str, usage: str
) -> FlagSpec:
    """Return the flag called `name`, or raise a "did you mean" error quoting it as `typed`."""
    flag = next((flag for flag in flags if flag.name == name), None)
    if flag is not None:
        return flag
    names = [flag.name for flag in flags]
    close = difflib.get_close_matches(name[:_MAX_FIELD], names, n=1, cutoff=0.5)
    listed = ", ".join(f"`{n}`" for n in names)
    hint = f"did you mean `{close[0]}`?" if close else f"its flags are {listed}."
    message = f"Unknown flag {show_value(typed)} for `{command}`: {hint}"
    raise UsageError(message, field=name[:_MAX_FIELD], usage=usage)
