"""Suite-wide test settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries still happen with their configured attempt counts, but without backoff sleeps."""
    stamina.set_testing(True, attempts=100, cap=True)
    yield
    stamina.set_testing(False)
