"""Numeric brace ranges in targets (SPEC §8): ``dev-{001..050}`` names 50 targets.

A range is ``{<start>..<end>}`` with whole numbers; it counts up or down, and is zero-padded to
the width written when either end is written with a leading zero (``{001..050}`` gives ``001`` …
``050``, ``{1..10}`` gives ``1`` … ``10``). Two ranges in one word multiply: ``r{1..2}-{1..3}``
is six targets. Only words typed bare are read this way: a quoted word is taken literally, and
anything else in braces is left alone (the identifier check then refuses the brace).

Counting comes before writing out, so an enormous range is refused by the operation's limit
without ever being expanded.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from commands.tokens import Word

_RANGE: Final = re.compile(r"\{([0-9]{1,12})\.\.([0-9]{1,12})\}")
# A range with an end longer than `_RANGE` reads: more targets than any operation takes.
_ANY_RANGE: Final = re.compile(r"\{[0-9]+\.\.[0-9]+\}")
#: Where counting stops: `range_count` says at most this, so a word of thousands of ranges is
#: neither multiplied out in full nor a number too long to write in a message.
MANY: Final = 10**30


def has_ranges(words: Iterable[Word]) -> bool:
    """True when some bare word holds a range."""
    return any(word.bare and _RANGE.search(word.text) for word in words)


def huge_range(words: Iterable[Word]) -> str | None:
    """The first range in a bare word whose ends are too long to read as a range (over 12
    digits), so it can be refused as too large rather than as a stray brace."""
    for word in words:
        huge = (m for m in _ANY_RANGE.finditer(word.text) if not _RANGE.fullmatch(m.group()))
        found = next(huge, None) if word.bare else None
        if found is not None:
            return found.group()
    return None


def range_count(words: Iterable[Word]) -> int:
    """How many targets `words` name once their ranges are expanded (duplicates included), or
    `MANY` when that is `MANY` or more."""
    total = 0
    for word in words:
        total = min(total + _count(word), MANY)
    return total


def expand_ranges(words: Iterable[Word]) -> Iterator[str]:
    """Every target `words` name, ranges written out in order."""
    for word in words:
        if word.bare and _RANGE.search(word.text):
            yield from _expand(word.text)
        else:
            yield word.text


def distinct_targets(words: Sequence[Word], most: int) -> tuple[tuple[str, ...], int] | None:
    """The distinct targets `words` name, in order, and how many repeats were dropped; None
    when they are more than `most`. A word that alone names more than `most` is not written
    out (its ranges are counted, not expanded), nor are more than `most` distinct targets."""
    if any(_count(word) > most for word in words):
        return None
    unique: dict[str, None] = {}
    named = 0
    for target in expand_ranges(words):
        named += 1
        unique[target] = None
        if len(unique) > most:
            return None
    return tuple(unique), named - len(unique)


def _count(word: Word) -> int:
    if not word.bare:
        return 1
    count = 1
    for start, end in _RANGE.findall(word.text):
        count = min(count * (abs(int(end) - int(start)) + 1), MANY)
    return count


def _expand(text: str) -> Iterator[str]:
    """The words one text names: the text between ranges, and each range's values."""
    pieces = _RANGE.split(text)  # literal, start, end, literal, start, end, …, literal
    literals = pieces[0::3]
    ranges = [_values(start, end) for start, end in zip(pieces[1::3], pieces[2::3], strict=True)]
    for choice in itertools.product(*ranges):
        parts = [literals[0]]
        for value, literal in zip(choice, literals[1:], strict=True):
            parts += [value, literal]
        yield "".join(parts)


def _values(start: str, end: str) -> list[str]:
    """The numbers from `start` to `end` as written: padded when either end is."""
    width = _width(start, end)
    low, high = int(start), int(end)
    step = 1 if high >= low else -1
    return [str(n).zfill(width) for n in range(low, high + step, step)]


def _width(start: str, end: str) -> int:
    """The width the numbers of a range are padded to (0: not padded)."""
    padded = any(len(end_) > 1 and end_.startswith("0") for end_ in (start, end))
    return max(len(start), len(end)) if padded else 0


def fit_ranges(text: str, most: int) -> str:
    """`text` (an example command: ``/ops <vendor> <resource> <action> <targets...>`` and then
    its flags) with its targets cut short so that together they name at most `most` (at least
    one): ranges from the first, multiplying within a word and adding up across words, and
    target words past the limit left out. ``thermo-{001..050}`` under a limit of 20 becomes
    ``thermo-{001..020}``, and under a limit of 1, ``thermo-001``; ``d{1..5} e{1..5}`` under
    a limit of 6 becomes ``d{1..5} e1``. The flags and their values are left as written."""
    words = text.split(" ")
    start = 4 if words[0] == "/ops" else 3
    end = next((i for i in range(start, len(words)) if words[i].startswith("-")), len(words))
    left = max(1, most)
    targets = words[start:end][:left]  # each word names one target at least
    for index, word in enumerate(targets):
        targets[index], count = _fit_word(word, left - (len(targets) - index - 1))
        left -= count
    return " ".join([*words[:start], *targets, *words[end:]])


def _fit_word(word: str, most: int) -> tuple[str, int]:
    """`word` with its ranges cut short, from the first, to name at most `most` targets (at
    least one), and how many it then names."""
    budget, count = most, 1

    def fit(match: re.Match[str]) -> str:
        nonlocal budget, count
        start, end = match.groups()
        low, high = int(start), int(end)
        keep = min(abs(high - low) + 1, budget)
        budget, count = max(1, budget // keep), count * keep
        last = str(low + (keep - 1) * (1 if high >= low else -1)).zfill(_width(start, end))
        if keep == 1:
            return last
        return match.group() if keep == abs(high - low) + 1 else f"{{{start}..{last}}}"

    return _RANGE.sub(fit, word), count
