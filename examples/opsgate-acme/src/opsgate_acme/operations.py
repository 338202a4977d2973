"""The Acme grammar: ``/ops acme widget delete <widgetId>``."""

from __future__ import annotations

from typing import Final

from commands.identifiers import IdentifierRule
from commands.spec import OperationSpec, TargetSpec

#: Acme widget ids: letters, digits, ``-`` and ``_``, 3 to 40 characters (Acme's API reference).
WIDGET_ID: Final = IdentifierRule(punctuation="-_", min_length=3, max_length=40)

DELETE_WIDGET: Final = OperationSpec(
    id="acme.widget.delete",
    vendor="acme",
    resource="widget",
    action="delete",
    summary="Delete a widget. Acme refuses to delete a spinning widget: stop it first.",
    target=TargetSpec(name="widgetId", rule=WIDGET_ID),
    flags=(),
    example='/ops acme widget delete w-1001 --reason "decommissioned, INC-7"',
)

#: The Acme operations, in help order.
OPERATIONS: Final = (DELETE_WIDGET,)
