"""After a cancel: what the vendor confirms per device, by listing again (VENDORS.md §7).

``CancelOTATaskByDevice`` answers ``Success: true`` without saying what it cancelled, and what it
answers for a device with nothing pending, or a name that does not exist, is not documented. So
opsgate never infers per-device results from it: after the cancel calls, it lists again, and
the outcome says what that listing showed, in words that match it.

- With ``--job``: ``ListOTATaskByJob`` with ``DeviceNames.N`` (up to `NAMES_PER_CALL`) and
  ``TaskStatus=CANCELED``, for every device whose cancel was accepted: how many of them now
  have a cancelled task in that job.
- Without: ``ListOTAUnfinishedTaskByDevice`` (``TaskStatusList.N``) on a bounded sample, like the
  preview's, said to be a sample: how many still have a task the cancel acts on, are upgrading,
  or do not exist.

The listings are reads through the account's rate limiter; if one fails, the outcome says so
and keeps what the cancel calls themselves answered (the change is never in doubt because of a
read). A run told to stop (Stop, or opsgate shutting down) sends no listing it has not sent yet:
the line then says the devices were not listed again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from adapters.aliyun.errors import VENDOR, field
from adapters.aliyun.preview import DeviceLook, Mapper, look_at, sample, task_rows
from adapters.aliyun.rpc import RpcClient
from adapters.aliyun.wording import agree, devices, named
from adapters.base import StopSignal
from adapters.errors import AdapterError, CallNotSent

#: Device names per ``ListOTATaskByJob`` call: its largest page, so one page answers a call.
NAMES_PER_CALL: Final = 100
#: Pages read per call at most (a device has one task per job; more pages mean retried tasks).
MAX_PAGES: Final = 5


def check_after_cancel(
    rpc: RpcClient,
    base: Mapping[str, str],
    accepted: Sequence[str],
    *,
    map_: Mapper,
    stop: StopSignal | None = None,
) -> str:
    """One line: what a read after the cancel shows for the devices whose cancel was accepted.

    `stop` is asked before each read goes out, as before each cancel: once it says to send no
    more, the line says the devices were not listed again. Never raises for a failed read: the
    line says the check could not be made.
    """
    if not accepted:
        return ""
    try:
        if stop is not None and stop():
            raise CallNotSent("not listed: the run was stopped", vendor=VENDOR)
        if "JobId" in base:
            return _by_job(rpc, base, accepted, map_=map_, stop=stop)
        return _by_sample(rpc, base, accepted, map_=map_, stop=stop)
    except CallNotSent:
        return (
            "not listed again: the run was stopped before that check was done; check the "
            f"{devices(len(accepted))} accepted in the IoT console (OTA upgrades)"
        )
    except AdapterError as exc:
        return (
            f"could not list the devices' tasks ({exc.message}); check them in the IoT console "
            "(OTA upgrades)"
        )


def _by_job(
    rpc: RpcClient,
    base: Mapping[str, str],
    accepted: Sequence[str],
    *,
    map_: Mapper,
    stop: StopSignal | None,
) -> str:
    chunks = [
        tuple(accepted[i : i + NAMES_PER_CALL]) for i in range(0, len(accepted), NAMES_PER_CALL)
    ]
    found: set[str] = set()
    for names in map_(lambda chunk: _cancelled_in_job(rpc, base, chunk, stop), chunks):
        found |= names
    rest = [device for device in accepted if device not in found]
    line = (
        f"job `{base['JobId']}` now shows a cancelled task for {len(accepted) - len(rest):,} "
        f"of the {devices(len(accepted))}"
    )
    if not rest:
        return line
    shows = agree(len(rest), "shows", "show")
    return f"{line}; the other {len(rest):,} ({named(rest)}) {shows} none in it"


def _cancelled_in_job(
    rpc: RpcClient, base: Mapping[str, str], names: Sequence[str], stop: StopSignal | None
) -> set[str]:
    params = {k: v for k, v in base.items() if k in ("JobId", "IotInstanceId")}
    params |= {"TaskStatus": "CANCELED", "PageSize": str(NAMES_PER_CALL)}
    params |= {f"DeviceNames.{n}": name for n, name in enumerate(names, start=1)}
    found: set[str] = set()
    for page in range(1, MAX_PAGES + 1):
        page_params = params | {"CurrentPage": str(page)}
        body = rpc.call("ListOTATaskByJob", page_params, mutating=False, stop=stop)
        rows = task_rows(body)
        found |= {str(field(row, "DeviceName")) for row in rows}
        total = field(body, "Total")
        if not rows or not isinstance(total, int) or page * NAMES_PER_CALL >= total:
            break
    return found


def _by_sample(
    rpc: RpcClient,
    base: Mapping[str, str],
    accepted: Sequence[str],
    *,
    map_: Mapper,
    stop: StopSignal | None,
) -> str:
    looks = map_(lambda d: look_at(rpc, base, d, stop=stop), sample(accepted))
    looked: list[DeviceLook] = list(looks)
    return sample_line(looked, of=len(accepted))


def sample_line(looked: Sequence[DeviceLook], *, of: int) -> str:
    """What listing a sample of `of` devices again showed; each count agrees with its verb,
    and names a few of the devices it counts."""
    scope = _scope(len(looked), of)
    why = "(IN_PROGRESS: not cancellable)"
    said = [
        f"{len(names):,} ({named(names)}) {agree(len(names), one, many)}"
        for names, one, many in (
            (
                [x.device for x in looked if x.cancellable],
                "still has a task the cancel acts on",
                "still have a task the cancel acts on",
            ),
            (
                [x.device for x in looked if x.upgrading],
                f"is upgrading {why}",
                f"are upgrading {why}",
            ),
            ([x.device for x in looked if not x.found], "does not exist", "do not exist"),
        )
        if names
    ]
    if not said:
        return f"listed again ({scope}, no `--job` given): none has a pending task for the firmware"
    return f"listed again ({scope}, no `--job` given): " + "; ".join(said)


def _scope(looked: int, of: int) -> str:
    """``all 20 devices``, ``the one device`` or ``a sample of 20 of 10,000``."""
    if looked < of:
        return f"a sample of {looked:,} of {of:,}"
    return "the one device" if looked == 1 else f"all {looked:,} devices"
