"""The Alibaba tests' shared fixtures: a fake clock, and the sandbox's simulator on it."""

from __future__ import annotations

import pytest

from adapters.aliyun.simulator import sandbox as sbx
from adapters.aliyun.simulator.api import AliyunSimulator
from adapters.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> AliyunSimulator:
    return sbx.seeded(clock=clock)
