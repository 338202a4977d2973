"""User and vendor text stays on one line: `escape`, `code`, the notification text and every
message's ``text`` show a line break as a visible marker, so nothing from outside can start a
line that reads as opsgate's own. Nor can it reorder the line it is on: its bidirectional
controls show as their code points."""

from __future__ import annotations

import json

import pytest

from bot.cards import escape, refusal_message
from bot.cards.blocks import message
from bot.cards.sentences import notification
from bot.cards.text import LINE_BREAK, ZWJ, code, code_block, one_line
from bot.model import Code, Refusal

#: Every character `str.splitlines` breaks at: Slack clients and terminals honour some of them.
BREAKS = ["\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
FORGED = "customer asked\n• Undo: restore with one click\n\n:x: Verdict: ok"


@pytest.mark.parametrize(
    "brk", BREAKS, ids=["+".join(f"U+{ord(c):04X}" for c in b) for b in BREAKS]
)
def test_every_line_break_shows_as_the_marker(brk: str) -> None:
    assert escape(f"one{brk}two") == f"one{LINE_BREAK}two"
    assert code(f"one{brk}two") == f"`one{LINE_BREAK}two`"  # still set apart as code
    assert len(escape(f"one{brk}two").splitlines()) == 1


def test_code_with_a_backtick_is_escaped_words_still_on_one_line() -> None:
    assert code("a`b\n:x: c") == f"a{ZWJ}`b{LINE_BREAK}:x: c"


def test_a_run_of_breaks_is_one_marker_and_breaks_at_the_ends_are_dropped() -> None:
    assert (
        escape(FORGED)
        == f"customer asked{LINE_BREAK}• Undo: restore with one click{LINE_BREAK}:x: Verdict: ok"
    )
    assert one_line("\n  first \r\n\t\n second  \n") == f"first{LINE_BREAK}second"
    assert one_line("\n\n") == ""


def test_the_blanks_at_the_ends_of_a_piece_with_a_break_stay() -> None:
    # a piece between two code spans: " takes … ⏎ Bad … and " keeps its outer spaces
    assert one_line(" takes ten.\nBad one and ") == f" takes ten.{LINE_BREAK}Bad one and "


def test_text_without_a_break_is_left_exactly_as_it_was() -> None:
    assert one_line("  two  spaces\tand a tab ") == "  two  spaces\tand a tab "
    assert escape("a *b*") == f"a {ZWJ}*b{ZWJ}*"
    assert code("R-7K3F9QW2") == "`R-7K3F9QW2`"  # still copies exactly: nothing invisible


def test_notification_text_keeps_user_words_on_one_line() -> None:
    refusal = Refusal("There is no request ", Code("R-1\n:x: Verdict: ok"), ".")
    assert notification(refusal) == f"There is no request R-1{LINE_BREAK}:x: Verdict: ok."
    sent = refusal_message(refusal)
    assert len(sent.text.splitlines()) == 1
    assert all(len(block["text"]["text"].splitlines()) == 1 for block in sent.blocks)


def test_a_message_text_is_one_line_whoever_built_it() -> None:
    assert message("Rejected: R-1\n:white_check_mark: Approved", []).text == (
        f"Rejected: R-1{LINE_BREAK}:white_check_mark: Approved"
    )


#: Every bidirectional control: embeddings, overrides, isolates and the invisible marks.
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
BIDI += ["\u200e", "\u200f", "\u061c"]


@pytest.mark.parametrize("mark", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_a_bidirectional_control_shows_as_its_code_point(mark: str) -> None:
    shown = f"⟨U+{ord(mark):04X}⟩"
    assert escape(f"ok {mark}KO") == f"ok {shown}KO"
    assert code(f"dev{mark}1") == f"`dev{shown}1`"
    assert code_block(f"a{mark}b") == f"```a{shown}b```"
    refusal = Refusal("There is no request ", Code(f"R-1{mark}"), f" {mark}KO.")
    assert notification(refusal) == f"There is no request R-1{shown} {shown}KO."
    sent = refusal_message(refusal)
    assert mark not in sent.text and mark not in json.dumps(sent.blocks, ensure_ascii=False)
    assert message(f"Failed: {mark}KO", []).text == f"Failed: {shown}KO"
