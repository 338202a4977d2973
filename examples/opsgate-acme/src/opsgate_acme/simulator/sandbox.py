"""The Acme sandbox: the seeded simulator behind ``opsgate console`` and ``OPSGATE_SANDBOX=1``.

Widgets ``w-1001``, ``w-1002`` and ``w-1003`` are idle (deletable); ``w-2001`` is spinning
(Acme refuses to delete it).
"""

from __future__ import annotations

from typing import Final

from adapters.clock import SYSTEM_CLOCK, Clock

from opsgate_acme.simulator.api import AcmeSimulator, Widget

#: Where the sandbox adapter points, and the simulator's own (public) token.
BASE_URL: Final = "https://api.acme.sandbox.opsgate.invalid"
TOKEN: Final = "acme-sandbox-token"  # noqa: S105 - accepted by the simulator only
IDLE: Final = ("w-1001", "w-1002", "w-1003")
SPINNING: Final = "w-2001"


def seeded(*, clock: Clock = SYSTEM_CLOCK) -> AcmeSimulator:
    """A simulator holding the sandbox's widgets."""
    simulator = AcmeSimulator(token=TOKEN, account="acme-sandbox", clock=clock)
    for number, widget_id in enumerate(IDLE, start=1):
        simulator.add_widget(Widget(widget_id, f"Conveyor widget {number}"))
    simulator.add_widget(Widget(SPINNING, "Main spindle", state="spinning", site="plant-2"))
    return simulator
