"""A bulk run whose batch fails in a way opsgate did not foresee (a bug, an error no adapter
type names): that batch's devices are unknown (nothing says whether its call went out), no
batch is sent after it, and the run still returns its counts. Before, the error escaped the
run while the pool went on sending the batches already queued, and the whole request read
unknown with no counts."""

from __future__ import annotations

import threading

from adapters.aliyun.bulk import batches, run_batches
from adapters.base import FailureKind

DEVICES = tuple(f"dev-{i:05d}" for i in range(1050))


def test_an_unexpected_error_in_one_batch_sends_no_more_and_keeps_the_counts() -> None:
    sent: list[tuple[str, ...]] = []
    lock = threading.Lock()

    def call(batch: tuple[str, ...]) -> str | None:
        if batch[0] == "dev-00400":
            raise RuntimeError("a bug in building the call")
        with lock:
            sent.append(batch)
        return f"req-{batch[0]}"

    run = run_batches(call, batches(DEVICES, 200), workers=1, progress=None)

    assert [b[0] for b in sent] == ["dev-00000", "dev-00200"]
    kinds = {f.targets[0]: f.kind for f in run.failures}
    assert kinds["dev-00400"] is FailureKind.UNKNOWN
    assert [k for d, k in kinds.items() if d != "dev-00400"] == [FailureKind.NOT_SENT] * 3
    assert len(run.accepted) + sum(len(f.targets) for f in run.failures) == len(DEVICES)
