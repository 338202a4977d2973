"""The Slack app manifest: valid against Slack's schema, and manifest.yml never drifts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack.manifest import (
    BOT_SCOPES,
    SHORTCUT_CALLBACK,
    STEP_CALLBACK,
    build_manifest,
    manifest_yaml,
)

REPO = Path(__file__).resolve().parents[3]
#: Slack's own app manifest schema (MIT, license beside it), carried in the repository.
SCHEMA = Path(__file__).resolve().parent / "schema" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    if not SCHEMA.is_file():
        pytest.fail(f"Slack's manifest schema is missing: expected {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _problems(validator: jsonschema.Draft7Validator, manifest: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


def _file_manifest() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_file_validates_against_slack_schema(
    validator: jsonschema.Draft7Validator,
) -> None:
    assert _problems(validator, _file_manifest()) == []


def test_schema_catches_a_broken_manifest(validator: jsonschema.Draft7Validator) -> None:
    broken = build_manifest()
    broken["features"]["slash_commands"][0]["command"] = "ops"  # must start with "/"
    broken["settings"]["surprise"] = True
    assert len(_problems(validator, broken)) == 2


def test_manifest_file_equals_build_manifest() -> None:
    assert _file_manifest() == build_manifest()


def test_manifest_yaml_round_trips() -> None:
    assert yaml.safe_load(manifest_yaml()) == build_manifest()


SCOPES = [
    "commands",
    "chat:write",
    "usergroups:read",
    "users:read",
    "files:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "mpim:history",
]


def test_bot_scopes_are_exactly_what_the_code_uses() -> None:
    assert build_manifest()["oauth_config"]["scopes"] == {"bot": SCOPES}
    assert list(BOT_SCOPES) == SCOPES


def test_socket_mode_manifest_declares_command_interactivity_and_home() -> None:
    manifest = build_manifest()
    settings, features = manifest["settings"], manifest["features"]
    assert manifest["display_information"]["name"] == "opsgate"
    assert features["bot_user"]["display_name"] == "opsgate"
    assert [c["command"] for c in features["slash_commands"]] == ["/ops"]
    assert features["slash_commands"][0]["usage_hint"]
    assert "url" not in features["slash_commands"][0]
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"] == {
        "bot_events": [
            "app_home_opened",
            "function_executed",
            "subteam_members_changed",
            "subteam_updated",
        ]
    }
    assert settings["interactivity"] == {"is_enabled": True}
    assert settings["socket_mode_enabled"] is True


def test_manifest_declares_the_shortcut_and_the_workflow_step() -> None:
    manifest = build_manifest()
    assert manifest["features"]["shortcuts"] == [
        {
            "name": "Request an operation",
            "type": "global",
            "callback_id": SHORTCUT_CALLBACK,
            "description": manifest["features"]["shortcuts"][0]["description"],
        }
    ]
    step = manifest["functions"][STEP_CALLBACK]
    inputs, outputs = step["input_parameters"], step["output_parameters"]
    assert list(inputs) == ["operation", "targets", "reason", "channel", "requester"]
    assert inputs["channel"]["type"] == "slack#/types/channel_id"
    # Who ran the workflow, as Slack vouches for it: a workflow cannot name someone else.
    assert inputs["requester"]["type"] == "slack#/types/user_context"
    assert [name for name, p in inputs.items() if not p["is_required"]] == ["reason"]
    assert list(outputs) == ["request_id", "state", "summary"]
    assert all(p["name"] == name for name, p in {**inputs, **outputs}.items())
    # Slack offers custom steps only to org-ready apps whose functions run remotely.
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["function_runtime"] == "remote"


def test_schema_catches_a_broken_step(validator: jsonschema.Draft7Validator) -> None:
    broken = build_manifest()
    del broken["functions"][STEP_CALLBACK]["input_parameters"]["channel"]["type"]
    del broken["functions"][STEP_CALLBACK]["title"]
    assert len(_problems(validator, broken)) == 2


def test_http_manifest_points_every_url_at_slack_events(
    validator: jsonschema.Draft7Validator,
) -> None:
    manifest = build_manifest(http=True, url="https://x.example/")
    endpoint = "https://x.example/slack/events"
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["features"]["slash_commands"][0]["url"] == endpoint
    assert manifest["settings"]["interactivity"]["request_url"] == endpoint
    assert manifest["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert _problems(validator, manifest) == []
    assert yaml.safe_load(manifest_yaml(http=True, url="https://x.example")) == manifest


def test_http_url_already_ending_in_the_endpoint_is_not_doubled() -> None:
    manifest = build_manifest(http=True, url="https://x.example/slack/events")
    assert manifest["settings"]["interactivity"]["request_url"] == "https://x.example/slack/events"


def test_http_manifest_does_not_change_the_socket_mode_one() -> None:
    build_manifest(http=True, url="https://x.example")
    assert build_manifest() == _file_manifest()


@pytest.mark.parametrize("url", [None, ""])
def test_http_without_url_is_a_clear_error(url: str | None) -> None:
    with pytest.raises(ValueError, match=r"public base URL.*--url https://"):
        build_manifest(http=True, url=url)


@pytest.mark.parametrize("url", ["x.example", "ftp://x.example", "https://"])
def test_http_with_a_bad_url_is_an_error(url: str) -> None:
    with pytest.raises(ValueError, match=r"--url must be an http:// or https:// URL"):
        manifest_yaml(http=True, url=url)


@pytest.mark.parametrize(
    "url",
    ["https://ops.example.com/base?x=1", "https://ops.example.com/#top", "https://o.example?"],
)
def test_a_base_url_with_a_query_or_fragment_is_an_error(url: str) -> None:
    with pytest.raises(ValueError, match=r"--url is a base URL, with no \?query or #fragment"):
        manifest_yaml(http=True, url=url)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://ops example.com", "--url must not hold spaces or control characters"),
        ("https://ops.example.com/a\tb", "--url must not hold spaces or control characters"),
        ("https://ops_example!.com", "--url must name a host (a DNS name or an IP address)"),
        ("https://-ops.example.com", "--url must name a host (a DNS name or an IP address)"),
        ("https://ops.example.com:99999", "--url has a port that is not 1 to 65535"),
        ("https://ops.example.com:http", "--url has a port that is not 1 to 65535"),
        ("https://ops.example.com:0", "--url has a port that is not 1 to 65535"),
    ],
)
def test_a_url_slack_would_reject_is_an_error(url: str, said: str) -> None:
    with pytest.raises(ValueError) as refused:
        manifest_yaml(http=True, url=url)
    assert str(refused.value) == f"{said}: got {url!r}"


@pytest.mark.parametrize(
    "url", ["https://admin:s3cret@ops.example.com", "https://admin@ops.example.com"]
)
def test_a_url_with_a_user_or_password_is_an_error_that_does_not_show_it(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        manifest_yaml(http=True, url=url)
    assert str(refused.value) == "--url must not hold a user name or password (user:password@)"


@pytest.mark.parametrize(
    "url",
    [
        "https://u:s3cret#PW@ops.example.com",  # parses as no password, a port "s3cret"
        "https://u:s3c/retPW@ops.example.com",
        "ftp://u:s3cretPW@ops.example.com",
        "https://u:s3cretPW@[::1",
    ],
)
def test_no_refusal_of_a_url_that_may_hold_a_password_quotes_it(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        manifest_yaml(http=True, url=url)
    assert "s3c" not in str(refused.value) and str(refused.value).startswith("--url ")


@pytest.mark.parametrize(
    "url",
    [
        "https://ops.example.com",
        "http://127.0.0.1:3000",
        "https://[2001:db8::1]:8443/",
        "https://OPS.Example.COM.",
    ],
)
def test_hosts_and_ports_slack_can_call_are_taken(url: str) -> None:
    assert build_manifest(http=True, url=url)["settings"]["interactivity"]["request_url"] == (
        url.rstrip("/") + "/slack/events"
    )


def test_url_without_http_is_an_error() -> None:
    with pytest.raises(ValueError, match="add --http"):
        build_manifest(url="https://x.example")
