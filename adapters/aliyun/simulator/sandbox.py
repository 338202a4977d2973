"""The Alibaba Cloud IoT sandbox: a seeded simulator for the console, demos and tests.

One account, one instance, one product, one firmware rolled out in one job:

- ``thermo-001`` … ``thermo-050``: an unfinished task for the firmware. Every tenth device
  (``thermo-010``, ``-020`` …) is already upgrading (IN_PROGRESS: a cancel leaves it alone);
  the others cycle through QUEUED, CONFIRM and NOTIFIED (a cancel moves them to CANCELED).
- ``thermo-051`` … ``thermo-055``: no unfinished task (their upgrade succeeded).
"""

from __future__ import annotations

from pydantic import SecretStr

from adapters.aliyun.settings import AliyunSettings
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.aliyun.simulator.ota import Firmware
from adapters.clock import SYSTEM_CLOCK, Clock

ACCESS_KEY_ID = "LTAI5tSandboxOpsgate"
ACCESS_KEY_SECRET = "sandbox-secret-not-a-real-key"  # noqa: S105 - the simulator's own key
INSTANCE_ID = "iot-060a0sbx"
REGION_ID = "cn-shanghai"
ENDPOINT = "https://iot.sandbox.opsgate.invalid"
PRODUCT_KEY = "a1OpsThermo"
FIRMWARE_ID = "fw-thermo-2.1.0"
JOB_ID = "job-thermo-rollout-1"
BUSY_DEVICES = tuple(f"thermo-{i:03d}" for i in range(1, 51))
IDLE_DEVICES = tuple(f"thermo-{i:03d}" for i in range(51, 56))
_PENDING = ("QUEUED", "CONFIRM", "NOTIFIED")

#: The settings that reach this sandbox: the sandboxed adapter's, and the tests'.
SETTINGS = AliyunSettings(
    endpoint=ENDPOINT,
    region_id=REGION_ID,
    access_key_id=ACCESS_KEY_ID,
    access_key_secret=SecretStr(ACCESS_KEY_SECRET),
    iot_instance_id=INSTANCE_ID,
)


def seeded(*, clock: Clock = SYSTEM_CLOCK) -> AliyunSimulator:
    """A simulator holding the sandbox account, product, firmware and devices."""
    sim = AliyunSimulator(clock=clock, instance_id=INSTANCE_ID)
    sim.add_account(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    sim.add_product(PRODUCT_KEY, "Smart thermostat")
    sim.add_firmware(Firmware(FIRMWARE_ID, "thermo-fw", PRODUCT_KEY, "2.0.3", "2.1.0"))
    for number, device in enumerate(BUSY_DEVICES, start=1):
        status = "IN_PROGRESS" if number % 10 == 0 else _PENDING[number % 3]
        sim.add_task(PRODUCT_KEY, device, FIRMWARE_ID, JOB_ID, status)
    for device in IDLE_DEVICES:
        sim.add_task(PRODUCT_KEY, device, FIRMWARE_ID, JOB_ID, "SUCCEEDED")
    return sim
