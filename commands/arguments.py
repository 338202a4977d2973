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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from commands.identifiers import show_value
from commands.model import UsageError
from commands.spec import FlagKind, FlagSpec
from commands.tokens import DASHES, Word

# Long enough for any real flag; a longer typo is not worth comparing or echoing in full.
_MAX_FIELD: Final = 64
#: How alike a typo and a name must be (difflib's ratio) to be offered as "did you mean": at
#: 0.75, `forse` and `dryrun` are, but `org` is not `force`, nor `nosuch` `acme`.
CLOSE: Final = 0.75
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
    words: Sequence[Word],
    *,
    flags: Sequence[FlagSpec],
    command: str,
    usage: str,
    elsewhere: Mapping[str, str] | None = None,
    targets: bool = True,
) -> Arguments:
    """Sort `words` into positionals and `flags`, taking each flag's value where it has one.

    Args:
        words: The words after the command words.
        flags: The flags the command takes.
        command: The command, for messages, e.g. ``"/ops acme widget delete"``.
        usage: The usage text to attach to errors.
        elsewhere: Flags of other commands, each with a command that takes it, so a flag given
            to the wrong command is answered with the command it belongs to.
        targets: Whether the command takes targets (words before its flags, say its errors).

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
            arguments.positionals.extend(_positional(word, last, usage, targets, command))
            continue
        name, value = flag_name(word.text)
        typed, following = word.text.partition("=")[0], _word_at(words, index)
        last = _known_flag(name, flags, Unknown(typed, command, usage, elsewhere or {}, following))
        if last.name in arguments.flags:
            raise UsageError(f"{last.name} is given twice; give it once.", field=name, usage=usage)
        value, index = _take_value(last, value, words, index, usage)
        arguments.flags[last.name] = (last, value)
    return arguments


def _take_value(
    flag: FlagSpec, value: str | None, words: Sequence[Word], index: int, usage: str
) -> tuple[str, int]:
    """The value of `flag` (given inline as `value`, or the words from `index` on), and where
    the next word starts."""
    if value is None and flag.takes_value:
        value = _next_value(flag, words, index, usage)
        index += 1
    if value is not None and not flag.takes_value:
        raise UsageError(f"{flag.name} takes no value.", field=flag.name, usage=usage)
    if flag.many_words:
        value, index = _more_words(value or "", words, index)
    return value or "", index


def _more_words(value: str, words: Sequence[Word], index: int) -> tuple[str, int]:
    """Extend a many-word value with every word up to the next flag; return it and where the
    next flag starts."""
    taken = [value]
    while index < len(words) and not is_flag(words[index]):
        taken.append(words[index].text)
        index += 1
    return " ".join(taken), index


def _positional(
    word: Word, last: FlagSpec | None, usage: str, targets: bool, command: str
) -> list[Word]:
    """The targets `word` holds, split at commas; after a flag (`last`), a usage error."""
    if last is not None:
        raise _stray_word(word, last, usage, command=None if targets else command)
    return _split_commas(word)


def _stray_word(word: Word, last: FlagSpec, usage: str, *, command: str | None) -> UsageError:
    """The error for a bare word after the flags that no flag takes; `command` is named when
    it takes no targets, so there is nowhere else to put the word."""
    shown = show_value(word.text)
    where = (
        "put the targets before the first flag, and quote a value that has spaces."
        if command is None
        else f"`{command}` takes no words beyond its flags."
    )
    message = (
        f"{shown} comes after {last.name}, which takes "
        f"{'no value' if not last.takes_value else 'one value'}: {where}"
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


def _word_at(words: Sequence[Word], index: int) -> str:
    return words[index].text if index < len(words) else ""


@dataclass(frozen=True)
class Unknown:
    """What an unknown flag's error says besides the flags: the flag as typed, the command and
    its usage, the other commands' flags, and the word after it."""

    typed: str
    command: str
    usage: str
    elsewhere: Mapping[str, str]
    following: str


def _known_flag(name: str, flags: Sequence[FlagSpec], unknown: Unknown) -> FlagSpec:
    """Return the flag called `name`, or raise an error saying what was likely meant."""
    flag = next((flag for flag in flags if flag.name == name), None)
    if flag is not None:
        return flag
    message = f"Unknown flag {show_value(unknown.typed)} for `{unknown.command}`: "
    message += _hint(name, flags, unknown)
    raise UsageError(message, field=name[:_MAX_FIELD], usage=unknown.usage)


_QUOTE_THE_TEXT: Final = 'if the dash is part of the text, quote it: --reason "… – …".'


def _hint(name: str, flags: Sequence[FlagSpec], unknown: Unknown) -> str:
    """What was likely meant: the flag a space split off (``-- reason``), the default a
    ``--no-`` switch turns off, another command's flag, or a close one; else every flag."""
    listed = ", ".join(f"`{flag.name}`" for flag in flags)
    joined = "--" + unknown.following.lower()
    if name in ("-", "--"):  # a dash on its own: a split flag, or punctuation in a reason
        meant = any(flag.name == joined for flag in flags)
        if not meant:
            return f"a lone dash starts a flag. {_QUOTE_THE_TEXT[0].upper()}{_QUOTE_THE_TEXT[1:]}"
        split = f"If you meant `{joined}`, write it without the space;"
        return f"a lone dash starts a flag. {split} {_QUOTE_THE_TEXT}"

    negative = next((f for f in flags if f.name == "--no-" + name[2:] and f.default), None)
    if negative is not None:
        return (
            f"{name[2:]} is the default, so leave it out; `{negative.name}` would {negative.help}."
        )
    if name in unknown.elsewhere:
        return f"that is a flag of `{unknown.elsewhere[name]}`; this command's are {listed}."
    close = _close_flag(name, [flag.name for flag in flags])
    return f"did you mean `{close}`?" if close else f"its flags are {listed}."


def _close_flag(name: str, names: Sequence[str]) -> str | None:
    """The flag `name` is a likely typo of: one alike in most letters (compared without the
    dashes, which every flag shares), or the only one it starts or is started by; None when
    none is close, so no far-off flag (``--force``, say) is ever offered."""
    typed = name.lstrip("-")[:_MAX_FIELD]
    bare = {flag.lstrip("-"): flag for flag in names}
    close = difflib.get_close_matches(typed, list(bare), n=1, cutoff=CLOSE)
    if close:
        return bare[close[0]]
    starting = [flag for word, flag in bare.items() if _starts(typed, word)]
    return starting[0] if len(starting) == 1 else None


def _starts(typed: str, word: str) -> bool:
    """One starts the other, and the shorter is not a mere letter or two: ``--dry`` for
    ``--dry-run``, ``--app-id`` for ``--app``."""
    shorter, longer = sorted((typed, word), key=len)
    return len(shorter) >= 3 and longer.startswith(shorter)
