"""Seeded random `/ops` text against the installed operations: invariants, not examples.

Deterministic: each seed drives its own `random.Random`, so a failure names the seed that found
it (keep that case as a plain example test beside the fix). Whatever the text, `parse` returns a
valid command or raises a `UsageError` whose message says what is wrong in a bounded length;
a request it returns is one its operation accepts, and reads back the same from its own
formatting. The size sweep feeds shapes that could blow up (quotes, ranges, dashes, commas,
escapes) at a tenth of the longest text accepted (enough for a count too long to print),
and checks sizes, not time.
"""

from __future__ import annotations

import random

import pytest

from adapters.registry import installed_plugins
from commands.model import (
    HelpCommand,
    HistoryCommand,
    OperationRequest,
    ParsedCommand,
    StatusCommand,
    UsageError,
)
from commands.parse import MAX_TEXT_LENGTH, format_command, parse
from commands.spec import FlagKind, OperationSpec
from commands.values import check_reason

CATALOG = installed_plugins().catalog
OPERATIONS = CATALOG.operations
SEEDS = range(8)
#: No message grows with the text: a long word is cut short, a long list is counted.
MOST_MESSAGE = 1_000

# What people (and Slack) put in commands: escapes, mentions, quotes of both families,
# dashes Slack makes of `--`, invisible characters, ranges small and huge, flags of all kinds.
PIECES = [
    *(flag.name for spec in OPERATIONS for flag in spec.all_flags),
    *CATALOG.vendors,
    *(spec.resource for spec in OPERATIONS),
    *(spec.action for spec in OPERATIONS),
    *["help", "history", "status", "/ops", "--mine", "--limit", "--vendor", "--unreviewed"],
    *["R-7K3F9QW2", "r-7k3f9qwo", "dev-{001..050}", "d{1..100000000}", "{1..3}{1..3}", "{..}"],
    *["&lt;", "&gt;", "&amp;", "&amp;lt;", "<@U123>", "<#C1|x>", "<!subteam^S1|@leads>"],
    *['"', "“", "”", "'", "‘", "’", "\\", '\\"', "=", ",", ",,", "--reason=", "--org="],
    *["—", "–", "−", "-", "--", "-1", "9" * 25, "\u200b", "\ufeff", "\u202e", "\u00a0"],
    *["\n", "\t", "\x00", "\ud800", "`", "é", "ı", "İ", "ﬁ", "a/b", "%2F", "..", "x" * 300],
]
SPACES = [" ", " ", " ", "", "\n", "  ", "\t"]


def random_text(rng: random.Random) -> str:
    """A few pieces and random characters, joined by random whitespace (or none)."""
    words = []
    for _ in range(rng.randint(0, 14)):
        if rng.random() < 0.75:
            words.append(rng.choice(PIECES))
        else:
            words.append("".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 6))))
    return "".join(word + rng.choice(SPACES) for word in words)


def valid_text(rng: random.Random, spec: OperationSpec) -> str:
    """A command for `spec` that is valid, apart from what `mutated` does to it."""
    count = rng.randint(1, min(5, spec.target.max_count))
    parts = [spec.command, " ".join(f"dev{rng.randint(1000, 9999)}" for _ in range(count))]
    for flag in spec.flags:
        if flag.required or rng.random() < 0.5:
            value = {
                FlagKind.IDENTIFIER: f" v{rng.randint(10, 99)}x",
                FlagKind.NUMBER: f" {rng.randint(0, 9)}",
                FlagKind.SWITCH: "",
            }.get(flag.kind, ' "t t"')
            parts.append(flag.name + value)
    reasons = ['--reason "stale job, INC-42"', "--reason bad rollout", "--reason='x y'", ""]
    parts += [rng.choice([*reasons, "--reason “quoted” words"])]
    parts += ["--dry-run"] if rng.random() < 0.3 else []
    parts += ["--force"] if rng.random() < 0.2 else []
    return " ".join(parts)


def mutated(rng: random.Random, text: str) -> str:
    """`text` with a few pieces put in, cut out, odd characters added or the case changed."""
    for _ in range(rng.randint(1, 4)):
        at, roll = rng.randint(0, len(text)), rng.random()
        if roll < 0.5:
            text = text[:at] + rng.choice(PIECES) + text[at:]
        elif roll < 0.7:
            text = text[:at] + text[at + rng.randint(1, 5) :]
        elif roll < 0.85:
            text = text[:at] + chr(rng.randint(0x80, 0x2FFFF)) + text[at:]
        else:
            text = text[:at] + text[at:].upper()
    return text


def check(text: str) -> ParsedCommand | UsageError:
    """Parse `text` and check the invariants every answer must keep."""
    try:
        parsed = parse(text, CATALOG)
    except UsageError as error:
        assert error.message.strip(), _shown(text)
        assert len(error.message) <= MOST_MESSAGE, (_shown(text), error.message[:MOST_MESSAGE])
        return error
    assert isinstance(parsed, HelpCommand | HistoryCommand | StatusCommand | OperationRequest)
    if isinstance(parsed, OperationRequest):
        check_request(parsed, _shown(text))
    return parsed


def _shown(text: str) -> str:
    """The text for a failure's message, cut short (a sweep's text is 50,000 characters)."""
    return repr(text if len(text) <= 300 else f"{text[:300]}… ({len(text):,} characters)")


def check_request(request: OperationRequest, text: str) -> None:
    """A parsed request is one its operation accepts, and its own command reads back as it."""
    spec = CATALOG.spec_for(request.operation)
    assert 1 <= len(request.targets) <= spec.target.max_count, text
    assert len(set(request.targets)) == len(request.targets), text
    assert all(spec.target.rule.matches(target) for target in request.targets), text
    assert set(request.params) <= set(spec.param_keys), text
    for free_text in (request.reason, request.break_glass):
        if free_text is not None:
            assert check_reason(free_text) == free_text, text
    command = format_command(request, CATALOG, elide=False)
    assert parse(command, CATALOG) == request, text
    assert parse(as_slack_sends(command), CATALOG) == request, text


def as_slack_sends(text: str) -> str:
    """`text` as Slack sends a typed command: with ``&``, ``<`` and ``>`` HTML-escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("seed", SEEDS)
def test_random_text_is_a_valid_command_or_a_bounded_usage_error(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        text = random_text(rng)
        for prefix in ("", *(f"{spec.command} " for spec in OPERATIONS)):
            check(prefix + text)


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_valid_commands_keep_the_invariants(seed: int) -> None:
    rng = random.Random(seed)
    accepted = 0
    for _ in range(40):
        text = valid_text(rng, rng.choice(OPERATIONS))
        accepted += isinstance(check(text), OperationRequest)
        check(mutated(rng, text))
    assert accepted == 40  # the unmutated commands are valid, so the mutations start from one


SWEEP = MAX_TEXT_LENGTH // 10


def _repeated(unit: str, prefix: str = "aliyun ota-task cancel ") -> str:
    return prefix + unit * ((SWEEP - len(prefix)) // len(unit))


# Shapes that would cost more than their length, or make a message grow with them, if read
# carelessly.
SHAPES = {
    "quotes": _repeated('"', ""),
    "unclosed quote": _repeated("a ", 'aliyun ota-task cancel "'),
    "inner quotes": _repeated("“a ", 'aliyun ota-task cancel "'),
    "apostrophes": _repeated(" '"),
    "escaped quotes": _repeated('\\"', 'aliyun ota-task cancel "'),
    "targets": _repeated("d "),
    "commas": _repeated(","),
    "ranges in one word": _repeated("{1..2}", "aliyun ota-task cancel d"),
    "wide ranges in one word": _repeated("{1..999999999999}", "aliyun ota-task cancel d"),
    "ranged words": _repeated("d{1..9} "),
    "reason words": _repeated("w ", "aliyun ota-task cancel dev1 --reason "),
    "dashes": _repeated("— ", "aliyun ota-task cancel dev1 --reason a "),
    "unknown flags": _repeated("--x "),
    "equals": _repeated("=", "aliyun ota-task cancel dev1 --reason="),
    "escapes": _repeated("&amp;lt;"),
    "zero-width": _repeated("\u200b"),
    "history flags": _repeated("--mine ", "history "),
    "status id": _repeated("R", "status "),
    "unknown vendor": _repeated("x", ""),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_long_text_of_each_shape_gets_a_bounded_answer(shape: str) -> None:
    text = SHAPES[shape]
    assert len(text) > SWEEP - 20
    check(text)


def test_a_text_over_the_limit_is_refused_by_its_length() -> None:
    error = check(SHAPES["targets"] * 11)
    assert isinstance(error, UsageError)
    assert error.message == f"The command is too long ({len(SHAPES['targets']) * 11:,} characters)."
