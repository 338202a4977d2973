"""Log lines: text by default, JSON on request, each naming the request it concerns."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from json_log import json_lines
from served_app import served_opsgate

from bot import cards
from bot.lifecycle.workers import Runner
from bot.observability.logs import (
    bind,
    configure_logging,
    current_context,
    fresh_log_context,
    log_context,
)


@pytest.fixture
def captured() -> Iterator[Callable[[], list[dict[str, str]]]]:
    """JSON lines from every logger, as `OPSGATE_LOG_FORMAT=json` writes them."""
    with json_lines() as read:
        yield read


def lines(read: Callable[[], list[dict[str, str]]]) -> list[dict[str, str]]:
    return read()


@pytest.fixture(autouse=True)
def fresh_context() -> Iterator[None]:
    """Start from an empty log context: lifecycle tests that run on this thread bind theirs."""
    with fresh_log_context():
        yield


def test_json_lines_carry_the_context(captured: Callable[[], list[dict[str, str]]]) -> None:
    log = logging.getLogger("opsgate.test")
    log.info("before")
    with log_context(request_id="R-7K3F9QW2", actor="U0BOB", operation=None):
        bind(operation="enos.ota-job.delete")
        log.warning("a message\nwith a second line")
    log.info("after")
    before, during, after = lines(captured)
    assert set(before) == {"time", "level", "logger", "message"}
    assert during["request_id"] == "R-7K3F9QW2" and during["actor"] == "U0BOB"
    assert during["operation"] == "enos.ota-job.delete"
    assert during["message"] == "a message\nwith a second line"  # one JSON line all the same
    assert during["level"] == "WARNING" and during["logger"] == "opsgate.test"
    assert "request_id" not in after and current_context() == {}


def test_unicode_line_separators_stay_inside_their_json_line(
    captured: Callable[[], list[dict[str, str]]],
) -> None:
    """U+2028, U+2029 and U+0085 end a line for Unicode-aware readers (`str.splitlines`)."""
    text = "reason: a\u2028b\u2029c\x85d"
    with log_context(actor="U0\u2028BOB"):
        try:
            raise ValueError(text)
        except ValueError:
            logging.getLogger("opsgate.test").exception(text)
    [line] = lines(captured)
    assert line["message"] == text and line["actor"] == "U0\u2028BOB"
    assert f"ValueError: {text}" in line["exception"]


def test_an_exception_stays_inside_its_line(captured: Callable[[], list[dict[str, str]]]) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("opsgate.test").exception("failed")
    [line] = lines(captured)
    assert "ValueError: boom" in line["exception"]


def test_a_vendor_call_logs_its_request_operation_and_actor(
    tmp_path: Path, captured: Callable[[], list[dict[str, str]]]
) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash("huawei package delete pkg-meter-fw-1.2.0 --reason x", user="U0ALICE")
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        served.click(cards.APPROVE_ACTION, request_id, user="U0BOB")
        assert served.opsgate.runner.wait_idle(10)
    calls = [line for line in lines(captured) if line["logger"] == "bot.observability.vendor_calls"]
    preview, execute = calls
    assert preview["message"].startswith("huawei preview: ok")
    assert preview["operation"] == "huawei.package.delete" and preview["actor"] == "U0ALICE"
    assert execute["message"].startswith("huawei execute: ok")
    assert execute["request_id"] == request_id and execute["actor"] == "U0BOB"
    assert execute["operation"] == "huawei.package.delete"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_configure_logging_writes_the_chosen_format(fmt: str) -> None:
    first, second = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        configure_logging(level="INFO", fmt=fmt, stream=first)
        configure_logging(level="INFO", fmt=fmt, stream=second)  # replaces, never doubles
        with log_context(request_id="R-7K3F9QW2"):
            logging.getLogger("opsgate.test").info("hello")
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    assert first.getvalue() == ""
    if fmt == "text":
        assert second.getvalue().rstrip().endswith("opsgate.test: hello [request_id=R-7K3F9QW2]")
    else:
        assert json.loads(second.getvalue())["request_id"] == "R-7K3F9QW2"


def test_a_text_line_holds_one_event_however_many_lines_its_message_and_exception_have() -> None:
    out = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        configure_logging(level="INFO", fmt="text", stream=out)
        log = logging.getLogger("opsgate.test")
        with log_context(request_id="R-7K3F9QW2"):
            try:
                raise TimeoutError("no connection\n\tIs the server running on that host?")
            except TimeoutError:
                log.exception("background job failed")
        log.warning("first line\r\nsecond line\n")
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    failed, warned = out.getvalue().splitlines()
    assert re.search(
        r"ERROR opsgate.test: background job failed \[request_id=R-7K3F9QW2\] \| TimeoutError: "
        r"no connection \(at .*test_logs\.py:\d+ in test_a_text_line_holds_one_event\w*\)$",
        failed,
    )
    assert warned.endswith("WARNING opsgate.test: first line | second line")


def test_an_error_raised_outside_opsgate_also_names_the_opsgate_code_that_led_there() -> None:
    out = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)

    def outside() -> None:  # stands for a library's code (a test module is not opsgate's)
        raise OSError("database is locked")

    try:
        configure_logging(level="INFO", fmt="text", stream=out)
        runner = Runner(workers=1)
        runner.submit(outside)
        assert runner.wait_idle(5)
        runner.shutdown()
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    [line] = out.getvalue().splitlines()
    assert re.search(
        r"background job failed \| OSError: database is locked \(at .*test_logs\.py:\d+ in "
        r"outside, from .*bot/lifecycle/workers\.py:\d+ in \w+\)$",
        line,
    ), line


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_password_in_a_logged_url_is_never_written(fmt: str) -> None:
    """Whoever logs a URL (a plugin, a library, an exception's text): its password is hidden."""
    out = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        configure_logging(level="INFO", fmt=fmt, stream=out)
        log = logging.getLogger("opsgate.test")
        log.info("calling %s", "http://user:LEAKME-pw@sp.example/up/CancelJob")
        try:
            raise ValueError("cannot reach https://user:LEAKME-pw@gw.example:8443")
        except ValueError:
            log.exception("failed")
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    written = out.getvalue()
    assert "LEAKME" not in written
    assert "http://user:****@sp.example/up/CancelJob" in written
    assert "https://user:****@gw.example:8443" in written
