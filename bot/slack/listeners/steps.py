"""The Workflow Builder step ``opsgate_request`` (SPEC §10), with Bolt's ``app.function``.

Bolt acknowledges the ``function_executed`` event; the step's request is opened on the worker
pool (`bot.lifecycle.steps.WorkflowSteps.run`), once per function execution id, whichever process
Slack delivers it to, and the step completes when that request ends.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.lifecycle.steps import StepCall
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext
from bot.slack.manifest import STEP_CALLBACK


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the step's listener (when the app runs steps at all)."""
    steps = ctx.steps
    if steps is None:
        return

    @app.function(STEP_CALLBACK)
    def step_executed(event: dict[str, Any], inputs: dict[str, Any]) -> None:
        call = StepCall(execution_id=str(event.get("function_execution_id") or ""), inputs=inputs)
        if not call.execution_id:
            return
        store = ctx.service.s.store
        with log_context(actor="workflow"):
            ctx.runner.submit(
                lambda: steps.run(call) if store.claim_trigger(call.execution_id) else None
            )
