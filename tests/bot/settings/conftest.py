"""Every settings test runs in a directory of its own holding only TLS files
(`write_cert_files`), with none of opsgate's variables from the real environment: what it loads
is what it sets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from certs import write_cert_files


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_cert_files(tmp_path)
    for name in list(os.environ):
        if name.startswith(("OPSGATE_", "SLACK_")):
            monkeypatch.delenv(name)
    return tmp_path
