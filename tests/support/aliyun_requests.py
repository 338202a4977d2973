"""The Alibaba adapter tests' request: cancel the sandbox firmware's task on some devices."""

from __future__ import annotations

from adapters.aliyun.simulator import sandbox as sbx
from commands.model import OperationRequest


def sandbox_cancel(targets: tuple[str, ...], **params: str) -> OperationRequest:
    """Cancel the sandbox's firmware task on `targets` (more `params`, such as ``job``)."""
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        params={"product": sbx.PRODUCT_KEY, "firmware": sbx.FIRMWARE_ID, **params},
        reason="halt rollout",
    )
