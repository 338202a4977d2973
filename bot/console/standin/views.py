"""What a Slack client does with a modal: it shows the inputs and hands back their values.

`inputs` lists a view's input blocks as `ViewInput` values; `state_values` builds the
``view.state.values`` Slack sends with a submission or an action: each input's answer, or its
initial value when it was left alone (as Slack does), in the shape of its element type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Answer = str | list[str] | list[dict[str, Any]]


@dataclass(frozen=True)
class ViewInput:
    """One input block of a view.

    Attributes:
        block_id: The block's id.
        action_id: Its element's action id.
        kind: The element type (``plain_text_input``, ``static_select``, ``checkboxes``, …).
        label: The block's label.
        hint: The block's hint, if any.
        optional: Whether it may be left empty.
        element: The element itself (options, initial values, …).
    """

    block_id: str
    action_id: str
    kind: str
    label: str
    hint: str
    optional: bool
    element: dict[str, Any]

    @property
    def options(self) -> list[tuple[str, str]]:
        """(value, text) of each option of a select or checkboxes."""
        return [
            (str(o.get("value")), str((o.get("text") or {}).get("text") or o.get("value")))
            for o in self.element.get("options") or []
        ]

    @property
    def initial(self) -> Answer | None:
        """What the element shows before anyone touches it."""
        element = self.element
        if self.kind == "checkboxes":
            return [str(o.get("value")) for o in element.get("initial_options") or []]
        if self.kind == "static_select":
            option = element.get("initial_option")
            return str(option.get("value")) if option else None
        if self.kind == "conversations_select":
            return element.get("initial_conversation")
        if self.kind == "file_input":
            return []
        value = element.get("initial_value")
        return None if value is None else str(value)


def inputs(view: Mapping[str, Any]) -> list[ViewInput]:
    """The input blocks of `view`, in order."""
    found = []
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        found.append(
            ViewInput(
                block_id=str(block.get("block_id")),
                action_id=str(element.get("action_id")),
                kind=str(element.get("type")),
                label=str((block.get("label") or {}).get("text") or ""),
                hint=str((block.get("hint") or {}).get("text") or ""),
                optional=bool(block.get("optional")),
                element=element,
            )
        )
    return found


def state_values(
    view: Mapping[str, Any], answers: Mapping[str, Answer | None]
) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` for `answers` (block id -> answer); unanswered inputs keep their
    initial value."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for item in inputs(view):
        answer = answers.get(item.block_id, item.initial)
        state[item.block_id] = {item.action_id: element_state(item, answer)}
    return state


def element_state(item: ViewInput, answer: Answer | None) -> dict[str, Any]:
    """One element's state as Slack reports it."""
    kind = item.kind
    if kind == "static_select":
        chosen = [o for o in item.element.get("options") or [] if o.get("value") == answer]
        return {"type": kind, "selected_option": chosen[0] if chosen else None}
    if kind == "checkboxes":
        ticked = answer if isinstance(answer, list) else []
        options = [o for o in item.element.get("options") or [] if o.get("value") in ticked]
        return {"type": kind, "selected_options": options}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": answer or None}
    if kind == "file_input":
        return {"type": kind, "files": answer if isinstance(answer, list) else []}
    return {"type": kind, "value": answer if isinstance(answer, str) and answer else None}
