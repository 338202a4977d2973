"""Plain-text rendering of Block Kit messages for the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cards import notice_message, request_card
from bot.console.render import mrkdwn_to_text, render_message
from bot.console.updates import card_changes, tab_changes
from bot.model import Approvers, RequestRecord, RequestState, User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def pending(**changes: object) -> RequestRecord:
    base: dict[str, object] = {
        "id": "R-1",
        "operation": "huawei.package.delete",
        "vendor": "huawei",
        "targets": ("pkg-1",),
        "reason": "old firmware",
        "requester": "U0ALICE",
        "channel": "C1",
        "state": RequestState.PENDING,
        "approvals_needed": 1,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
        "preview": {"summary": "package v1.2", "facts": {}, "warnings": ["in use by 3 jobs"]},
    }
    return RequestRecord.model_validate(base | changes)


def test_card_renders_header_fields_context_and_buttons() -> None:
    blocks = request_card(pending(), approvers=Approvers(needed=1, named=(User("U0BOB"),))).blocks
    out = render_message(blocks, names={"U0ALICE": "alice", "U0BOB": "bob"})
    lines = out.splitlines()
    assert lines[0] == "● Approval needed: huawei.package.delete"
    assert lines[1] == "=" * len(lines[0])
    assert "  Requested by: @alice" in lines
    assert "  Who may approve: @bob" in lines
    assert "  Expires: 2026-01-01 12:30 UTC" in lines
    assert "⚠ in use by 3 jobs" in lines  # plain text: no mrkdwn markers left
    assert "Request `R-1` · requested 2026-01-01 12:00 UTC" in lines
    assert lines[-1] == "[Approve] [Reject] [Withdraw]"
    assert "\x1b[" not in out


def test_unknown_users_show_their_id() -> None:
    out = render_message(request_card(pending(), approvers=Approvers(needed=1, anyone=True)).blocks)
    assert "Requested by: @U0ALICE" in out


def test_lines_wrap_at_width() -> None:
    reason = " ".join(["word"] * 100)
    out = render_message(
        request_card(pending(reason=reason), approvers=Approvers(needed=1, anyone=True)).blocks,
        width=40,
    )
    assert max(len(line) for line in out.splitlines()) <= 40
    assert out.count("word") == 100


def test_code_blocks_are_not_wrapped_and_lose_their_fences() -> None:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "```" + "x" * 100 + "```"}}
    assert render_message([block], width=40) == "x" * 100


def test_inline_code_is_never_wrapped_so_a_pasted_example_is_one_command() -> None:
    example = '/ops huawei device delete partner-dev-0001 --app partner-app --reason "why not"'
    text = f"Example: `{example}` and then some more words to wrap"
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    lines = render_message([block], width=40).splitlines()
    assert any(f"`{example}`" in line for line in lines)
    assert all(len(line) <= 40 for line in lines if "`" not in line)


def test_color_adds_bold_and_dim() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Title"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "a *b* c"}},
        *notice_message("fyi").blocks,
    ]
    out = render_message(blocks, color=True)
    assert "\x1b[1mTitle\x1b[0m" in out
    assert "a \x1b[1mb\x1b[22m c" in out
    assert "\x1b[2mfyi\x1b[0m" in out


def test_bold_and_italic_are_terminal_styles_or_plain_words() -> None:
    text = "*Preview:* _none given_ and *bold _both_*"
    assert mrkdwn_to_text(text) == "Preview: none given and bold both"
    styled = mrkdwn_to_text(text, color=True)
    assert styled == (
        "\x1b[1mPreview:\x1b[22m \x1b[3mnone given\x1b[23m and "
        "\x1b[1mbold \x1b[3mboth\x1b[23m\x1b[22m"
    )


def test_nothing_is_styled_inside_code_blocks_or_inline_code() -> None:
    block = "```DELETE /x\naccept: */*\nx-id: _a_b_```"
    assert mrkdwn_to_text(f"{block} then *bold*", color=False) == f"{block} then bold"
    assert mrkdwn_to_text("`*kept*` and _gone_") == "`*kept*` and gone"


def test_a_styled_span_may_hold_inline_code() -> None:
    text = "⚠ *deletes its children (use `--no-cascade` to keep them)* and _see `x`_"
    plain = "⚠ deletes its children (use `--no-cascade` to keep them) and see `x`"
    assert mrkdwn_to_text(text) == plain
    styled = mrkdwn_to_text(text, color=True)
    assert styled.startswith("⚠ \x1b[1mdeletes its children (use `--no-cascade` to keep them)")
    # A character like the stand-ins, typed by someone, stays itself.
    assert mrkdwn_to_text("\ue000 and `b` *c*") == "\ue000 and `b` c"


def test_markers_that_slack_would_not_pair_stay() -> None:
    # Inside words, in code spans, and after a joiner (escaped user text) they are literal.
    assert mrkdwn_to_text("snake_case_id 2*3*4 `a_b_ *c*`") == "snake_case_id 2*3*4 `a_b_ *c*`"
    assert mrkdwn_to_text("\u200d*kept\u200d* \u200d_kept\u200d_", color=True) == "*kept* _kept_"
    assert mrkdwn_to_text("* not bold * and _ not italic _") == "* not bold * and _ not italic _"


def test_user_groups_read_by_name() -> None:
    names = {"S0123OPSLEADS": "ops-leads"}
    assert mrkdwn_to_text("<!subteam^S0123OPSLEADS>", names=names) == "@ops-leads"
    assert mrkdwn_to_text("<!subteam^S9>", names=names) == "@S9"


def test_mrkdwn_conversions() -> None:
    assert (
        mrkdwn_to_text(
            "<@U1> <@U2|bob> <!here> <!subteam^S1|@leads> <!subteam^S2>", names={"U1": "alice"}
        )
        == "@alice @bob @here @leads @S2"
    )
    assert mrkdwn_to_text("<!date^1^{date}|Jan 1> <#C1|ops> <#C2>") == "Jan 1 #ops #C2"
    assert mrkdwn_to_text("<https://a.b|docs> <https://c.d>") == "docs (https://a.b) https://c.d"
    assert mrkdwn_to_text("&lt;b&gt; &amp;lt; \u200d*x\u200d*") == "<b> &lt; *x*"
    assert mrkdwn_to_text(":warning: :white_check_mark: :custom:") == "⚠ ✔ :custom:"


def test_escaped_user_text_reads_as_typed() -> None:
    hostile = "<!channel> *bold* <https://evil|x> @here"
    out = render_message(
        request_card(pending(reason=hostile), approvers=Approvers(needed=1, anyone=True)).blocks,
        width=200,
    )
    assert f"Reason: {hostile}" in out.splitlines()


def test_other_blocks_degrade_to_their_text() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "u", "alt_text": "logo"},
                {"type": "plain_text", "text": "hi"},
            ],
        },
        {
            "type": "section",
            "text": {"type": "plain_text", "text": "p"},
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Go"}},
        },
        {"type": "rich_text", "elements": []},
    ]
    assert render_message(blocks, width=10).splitlines() == [
        "─" * 20,
        "[image: logo] · hi",
        "p",
        "[Go]",
    ]


def test_control_characters_from_a_message_never_reach_the_terminal() -> None:
    """A vendor's message with an escape sequence (here: set the terminal's title, then clear
    the screen) is shown, not obeyed; line breaks, tabs and the console's own styles stay."""
    hostile = "device gone\x1b]0;pwned\x07\x1b[2J\r\x9b2J\ttab"
    section = {"type": "section", "text": {"type": "mrkdwn", "text": f"*Failed:* {hostile}"}}
    header = {"type": "header", "text": {"type": "plain_text", "text": hostile}}
    shown = render_message([header, section], color=True)
    assert not {"\x07", "\r", "\x9b"} & set(shown)
    assert "\x1b]" not in shown and "\x1b[2J" not in shown
    assert "device gone\ufffd]0;pwned\ufffd\ufffd[2J\ufffd\ufffd2J\ttab" in shown
    assert "\x1b[1mFailed:\x1b[22m" in shown  # the console's own bold


def test_a_card_update_shows_a_changed_sentence_whole_even_where_a_line_is_unchanged() -> None:
    """The card showed "…, then request the / deletion again." in its preview's Next step; the
    outcome's own Next step wraps onto the same "deletion again." line: the update must not end
    at "then request the"."""
    before = "\n".join(
        [
            "● Approval needed: enos.ota-job.delete",
            "Next: Stop it first (EnOS console, or Stop OTA Job: `action=stop`), then request the",
            "  deletion again.",
            "  Approvals: 0 of 1 needed; Approved by: nobody yet",
        ]
    )
    after = "\n".join(
        [
            "✖ Failed: enos.ota-job.delete",
            "Next: Stop it first (EnOS console, or Stop OTA Job: `action=stop`), then request the",
            "  deletion again.",
            "  Approvals: 1 of 1 needed; Approved by: @bob",
            "✖ Failed: vendor error `24618`: EnOS will not delete an OTA job that is still",
            '  running (EnOS: "Not allowed"). Next: Stop the job first, then request the',
            "  deletion again.",
            "Vendor request id: `eb1167b3`",
        ]
    )
    assert card_changes(before, after, width=80).splitlines() == [
        "✖ Failed: enos.ota-job.delete",
        "  Approvals: 1 of 1 needed; Approved by: @bob",  # a field: its own line, not wrapped
        "✖ Failed: vendor error `24618`: EnOS will not delete an OTA job that is still",
        '  running (EnOS: "Not allowed"). Next: Stop the job first, then request the',
        "  deletion again.",
        "Vendor request id: `eb1167b3`",
    ]


def test_a_tab_update_shows_a_new_entry_whole_where_it_wraps_like_another() -> None:
    """Two requests by @alice in #ops that expire in the same minute wrap onto the same second
    line: the new one is shown with it, not as a first line alone."""
    first = "● `R-AAAAAAAA` `servicepower.job.cancel` · 1 target · by @alice in a channel"
    second = "● `R-BBBBBBBB` `servicepower.job.cancel` · 1 target · by @alice in a channel"
    wrapped = "  #ops · expires 2026-11-26 19:04 UTC"
    before = "\n".join(["Waiting for you", first, wrapped, "[Approve] [Reject]"])
    after = "\n".join(["Waiting for you", first, wrapped, "[Approve] [Reject]", second, wrapped])
    assert tab_changes(before, after, heading="App Home of @carol").splitlines() == [
        "── App Home of @carol updated ──",
        second,
        wrapped,
    ]
