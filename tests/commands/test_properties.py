"""Properties of the parser over generated text and generated valid requests.

They run over the installed vendor plugins' catalog: every operation a user can really type.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.registry import installed_plugins
from commands.model import OperationRequest, ParsedCommand, UsageError
from commands.parse import format_command as format_with
from commands.parse import parse as parse_with
from commands.spec import FlagKind, FlagSpec, OperationSpec
from commands.values import check_reason

CATALOG = installed_plugins().catalog
OPERATIONS = CATALOG.operations
spec_for = CATALOG.spec_for


def parse(text: str) -> ParsedCommand:
    return parse_with(text, CATALOG)


def format_command(request: OperationRequest, *, elide: bool = True) -> str:
    return format_with(request, CATALOG, elide=elide)


STRICT = re.compile(r"[A-Za-z0-9._:-]{1,128}")
URL_SAFE = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
FAST = settings(max_examples=300, deadline=None)

# Pieces of plausible commands, so generated text gets past the command words often.
VOCABULARY = [
    *(flag.name for spec in OPERATIONS for flag in spec.all_flags),
    *[
        "--mine",
        "--vendor",
        "--limit",
        "R-7K3F9QW2",
        "r-7k3f9qwz",
        *CATALOG.vendors,
        "dev1",
        "d001,d002",
        "../x",
        "a/b",
        "%2F",
        "=",
        "--org=",
    ],
    *[
        '"',
        "“",
        "”",
        "‘",
        "’",
        "'",
        "\\",
        ",",
        "\n",
        "&amp;",
        "&lt;",
        "—",
        "-",
        "7",
        "-1",
        "é",
        "\x00",
        "\u202e",
    ],
    "x" * 129,
]
ODD_BUT_VALID = ["_x", ".x", "a@b.c", "dev:1", "x.", "0", "A-", "--dry-run", "--no-cascade"]


def identifier(operation: str, *, flag: str | None = None) -> st.SearchStrategy[str]:
    """Valid identifiers for an operation's target (or one of its flags), built directly."""
    spec = spec_for(operation)
    rule = spec.target.rule if flag is None else next(f.rule for f in spec.flags if f.name == flag)
    first = st.sampled_from("abcXYZ0179")
    rest = st.text(
        st.sampled_from("aZ09" + rule.punctuation),
        min_size=rule.min_length - 1,
        max_size=min(rule.max_length - 1, 24),
    )
    return st.builds(str.__add__, first, rest)


def _valid_reason(text: str) -> bool:
    try:
        return check_reason(text) == text
    except UsageError:
        return False


REASON_CHARS = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from(' \n\t"\\“”‘’&<>')
REASONS = st.none() | st.text(REASON_CHARS, min_size=1, max_size=80).map(str.strip).filter(
    _valid_reason
)


def param_strategy(flag: FlagSpec, operation: str) -> st.SearchStrategy[str | int | bool]:
    if flag.kind is FlagKind.SWITCH:
        return st.booleans()
    if flag.kind is FlagKind.NUMBER:
        return st.integers(flag.low, flag.high)
    return identifier(operation, flag=flag.name)


def requests_for(spec: OperationSpec) -> st.SearchStrategy[OperationRequest]:
    """Valid requests for one operation; built once, since building strategies is slow."""
    required = {
        f.key: param_strategy(f, spec.id) for f in spec.flags if f.required or f.default is not None
    }
    optional = {f.key: param_strategy(f, spec.id) for f in spec.flags if f.key not in required}
    most = min(spec.target.max_count, 5)
    return st.builds(
        OperationRequest,
        operation=st.just(spec.id),
        vendor=st.just(spec.vendor),
        targets=st.lists(identifier(spec.id), min_size=1, max_size=most, unique=True).map(tuple),
        params=st.fixed_dictionaries(required, optional=optional),
        reason=REASONS,
        dry_run=st.booleans(),
        force=st.booleans(),
        break_glass=REASONS,
    )


REQUESTS = st.one_of([requests_for(spec) for spec in OPERATIONS])


PREFIXES = [*(spec.command for spec in OPERATIONS), "help", "history", "status", ""]
WORDS = st.sampled_from(VOCABULARY) | st.text(max_size=8)


def insert_words(line: str, extra: list[str], at: int) -> str:
    words = line.removeprefix("/ops ").split(" ")
    at %= len(words) + 1
    return " ".join([*words[:at], *extra, *words[at:]])


COMMAND_TEXT = st.one_of(
    st.builds(
        insert_words,
        REQUESTS.map(format_command),
        st.lists(WORDS | st.sampled_from(ODD_BUT_VALID), max_size=3),
        st.integers(0, 40),
    ),
    st.tuples(st.sampled_from(PREFIXES), st.lists(WORDS, max_size=12)).map(
        lambda parts: " ".join([parts[0], *parts[1]])
    ),
    st.text(max_size=80),
)


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@settings(max_examples=300, deadline=None)
@given(REQUESTS)
def test_format_command_round_trips(request: OperationRequest) -> None:
    line = format_command(request, elide=False)
    assert line.startswith("/ops ")
    text = line.removeprefix("/ops ")
    # What Slack sends for the typed line; as typed, only when no "&" could read as an escape.
    assert parse(slack_escape(text)) == request
    if "&" not in text:
        assert parse(text) == request


def parsed_or_usage_error(text: str) -> ParsedCommand | None:
    try:
        return parse(text)
    except UsageError as error:
        assert error.message.strip()
        return None


@FAST
@given(COMMAND_TEXT)
def test_parse_returns_a_command_or_raises_usage_error(text: str) -> None:
    result = parsed_or_usage_error(text)
    assert result is None or isinstance(result, ParsedCommand)


@FAST
@given(COMMAND_TEXT)
def test_every_identifier_of_a_parsed_request_is_strict(text: str) -> None:
    result = parsed_or_usage_error(text)
    if isinstance(result, OperationRequest):
        spec = spec_for(result.operation)
        assert set(result.params) <= spec.param_keys
        for target in result.targets:
            assert spec.target.rule.matches(target)
            assert URL_SAFE.fullmatch(target)
        for key, value in result.params.items():
            if isinstance(value, str):
                assert STRICT.fullmatch(value), key
