"""The request form stays within Block Kit's limits whatever a vendor plugin's spec holds."""

from __future__ import annotations

import dataclasses

from block_kit import block_problems
from grammar_specs import WIDGET_DELETE

from bot.cards.form import FormPrefill, request_form
from commands.spec import TargetSpec


def test_a_long_target_name_and_example_target_still_make_a_form() -> None:
    """The targets' placeholder names the target and the example's first one (up to 128
    characters): past Slack's 150 for a placeholder, building the form raised, and the form
    never showed that operation's fields."""
    target = "w-" + "a" * 126
    spec = dataclasses.replace(
        WIDGET_DELETE,
        target=TargetSpec(name="widgetIdentifierInTheFactory"),
        example=f'/ops acme widget delete {target} --site s157 --reason "x"',
    )
    flag = dataclasses.replace(spec.flags[0], metavar="<" + "m" * 2100 + ">")
    spec = dataclasses.replace(spec, flags=(flag,))
    view = request_form([spec], prefill=FormPrefill(operation=spec.id))
    assert block_problems(view["blocks"], limit=100) == []
    [box] = [b for b in view["blocks"] if b.get("block_id") == "targets"]
    assert box["element"]["placeholder"]["text"].startswith("widgetIdentifierInTheFactory, e.g. w-")
