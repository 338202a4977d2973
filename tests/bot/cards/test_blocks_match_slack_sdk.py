"""The block builders write Slack's dicts directly (for speed); slack_sdk's own models are the
judge: for any text, each builder's output equals what the model builds and validates."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.cards.blocks import (
    CONTEXT_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELDS,
    SECTION_LIMIT,
    actions,
    button,
    confirm_dialog,
    context,
    divider,
    fields,
    header,
    section,
)
from bot.cards.text import clip, clip_raw

TEXT = st.text(min_size=1, max_size=3500)
WORDS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=120)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_header(text: str) -> None:
    plain = clip(" ".join(text.split()), HEADER_LIMIT) or "opsgate"
    model = HeaderBlock(text=PlainTextObject(text=plain, emoji=True))
    assert header(text) == model.to_dict()


@settings(max_examples=150, deadline=None)
@given(TEXT, st.none() | st.text(st.sampled_from("abc_1"), min_size=1, max_size=20))
def test_section(text: str, block_id: str | None) -> None:
    body = MarkdownTextObject(text=clip(text, SECTION_LIMIT) or " ")
    assert section(text, block_id=block_id) == SectionBlock(text=body, block_id=block_id).to_dict()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(WORDS, TEXT), min_size=1, max_size=23))
def test_fields(pairs: list[tuple[str, str]]) -> None:
    texts = [clip(f"*{label}*\n{value}", FIELD_LIMIT) for label, value in pairs]
    models = [
        SectionBlock(fields=[MarkdownTextObject(text=t) for t in texts[i : i + MAX_FIELDS]])
        for i in range(0, len(texts), MAX_FIELDS)
    ]
    assert fields(pairs) == [model.to_dict() for model in models]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=2500), max_size=12))
def test_context(items: list[str]) -> None:
    kept = [clip(item, CONTEXT_LIMIT) for item in items if item][:MAX_CONTEXT_ELEMENTS]
    model = ContextBlock(elements=[MarkdownTextObject(text=t) for t in kept or [" "]])
    assert context(*items) == model.to_dict()


def test_divider() -> None:
    assert divider() == DividerBlock().to_dict()


@settings(max_examples=100, deadline=None)
@given(WORDS, WORDS, st.sampled_from([None, "danger", "primary"]), st.booleans())
def test_buttons_and_their_confirmation(
    text: str, title: str, style: str | None, confirmed: bool
) -> None:
    ours = confirm_dialog(title=title, text=text * 4, confirm="Approve") if confirmed else None
    theirs = (
        ConfirmObject(
            title=clip_raw(title, 100),
            text=clip(text * 4, 300),
            confirm="Approve",
            deny="Cancel",
            style="danger",
        )
        if confirmed
        else None
    )
    built = button(text, action_id="opsgate_approve", value="R-7K3F9QW2", style=style, confirm=ours)
    model = ButtonElement(
        text=clip_raw(text, 75),
        action_id="opsgate_approve",
        value="R-7K3F9QW2",
        style=style,
        confirm=theirs,
    )
    assert built == model.to_dict()
    row = ActionsBlock(block_id="opsgate_actions", elements=[model])
    assert actions([built], block_id="opsgate_actions") == row.to_dict()
