"""Retries keep their attempt counts in tests, without waiting between attempts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    stamina.set_testing(True, attempts=5, cap=True)
    yield
    stamina.set_testing(False)
