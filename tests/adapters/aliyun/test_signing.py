"""The Alibaba Cloud RPC signer: the documented vector, and agreement with the official SDK."""

from __future__ import annotations

import string
import uuid

from aliyunsdkcore.auth.composer import rpc_signature_composer as official
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.aliyun.signing import (
    AccessKey,
    canonical_query,
    common_params,
    encode_query,
    percent_encode,
    signature,
    signed_params,
    string_to_sign,
)
from adapters.aliyun.simulator.gateway import documented_signature
from adapters.clock import FakeClock

VECTOR = {
    "AccessKeyId": "testid",
    "Action": "CancelOTATaskByDevice",
    "Version": "2018-01-20",
    "Format": "JSON",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureVersion": "1.0",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Timestamp": "2024-01-02T03:04:05Z",
    "RegionId": "cn-shanghai",
    "ProductKey": "a1BwAGV****",
    "FirmwareId": "UfuxnwygsuSkVE0VCN****0100",
    "DeviceName.1": "dev 1*~",
    "JobId": "wahVIzGkCMuAUE2gDERM02****",
}

# The SDK's module-level helpers are "private" (double underscore), not name-mangled at module
# level; getattr keeps the intent explicit.
_official_string_to_sign = getattr(official, "__compose_string_to_sign")
_official_signature = getattr(official, "__get_signature")


def test_documented_test_vector() -> None:
    assert signature("POST", VECTOR, "testsecret") == "UMBpy5XI3JE65C0ZuEkkeyCwLsg="


def test_signature_parameter_is_excluded_from_what_is_signed() -> None:
    with_signature = {**VECTOR, "Signature": "anything"}
    assert signature("POST", with_signature, "testsecret") == "UMBpy5XI3JE65C0ZuEkkeyCwLsg="


def test_percent_encoding_is_rfc3986() -> None:
    assert percent_encode("a b*~/+=&中") == "a%20b%2A~%2F%2B%3D%26%E4%B8%AD"
    assert percent_encode("A-Z_a.z~09") == "A-Z_a.z~09"


def test_names_sort_in_byte_order() -> None:
    params = {"DeviceName.2": "b", "DeviceName.10": "j", "DeviceName.1": "a"}
    assert canonical_query(params) == "DeviceName.1=a&DeviceName.10=j&DeviceName.2=b"


def test_string_to_sign_shape() -> None:
    assert string_to_sign("post", {"b": "2", "a": "1 2"}) == "POST&%2F&a%3D1%25202%26b%3D2"


def test_common_params_are_complete_with_a_fresh_nonce_each_time() -> None:
    clock = FakeClock(1_704_164_645.0)  # 2024-01-02T03:04:05Z
    first = common_params(action="X", key_id="k", region_id="cn-shanghai", clock=clock)
    second = common_params(action="X", key_id="k", region_id="cn-shanghai", clock=clock)
    assert first["Timestamp"] == "2024-01-02T03:04:05Z"
    assert first["SignatureNonce"] != second["SignatureNonce"]
    uuid.UUID(first["SignatureNonce"])
    assert {k: v for k, v in first.items() if k != "SignatureNonce"} == {
        "Action": "X",
        "Version": "2018-01-20",
        "Format": "JSON",
        "AccessKeyId": "k",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "Timestamp": "2024-01-02T03:04:05Z",
        "RegionId": "cn-shanghai",
    }


def test_signed_params_sign_everything_sent() -> None:
    key = AccessKey("testid", "testsecret")
    signed = signed_params(
        "POST",
        "CancelOTATaskByDevice",
        {"ProductKey": "p"},
        key=key,
        region_id="r",
        clock=FakeClock(),
    )
    unsigned = {k: v for k, v in signed.items() if k != "Signature"}
    assert signed["Signature"] == signature("POST", unsigned, "testsecret")


def test_access_key_repr_hides_the_secret() -> None:
    assert "testsecret" not in repr(AccessKey("testid", "testsecret"))


def test_encode_query_matches_the_signed_encoding() -> None:
    assert encode_query([("DeviceName.1", "dev 1*~"), ("a", "/")]) == (
        "DeviceName.1=dev%201%2A~&a=%2F"
    )


_NAMES = st.text(alphabet=string.ascii_letters + string.digits + ".", min_size=1, max_size=12)
_VALUES = st.text(
    alphabet=st.one_of(
        st.sampled_from(" *~/+=&%:-_.'\"!()?#"),
        st.characters(codec="utf-8"),  # no lone surrogates: they are not UTF-8
    ),
    max_size=24,
)


@st.composite
def _param_sets(draw: st.DrawFn) -> dict[str, str]:
    params = draw(st.dictionaries(_NAMES, _VALUES, max_size=8))
    devices = draw(st.lists(_VALUES, max_size=25))
    params.update({f"DeviceName.{i}": name for i, name in enumerate(devices, start=1)})
    return params


@settings(max_examples=150, deadline=None)
@given(params=_param_sets(), secret=st.text(min_size=1, max_size=30).filter(str.isprintable))
def test_agrees_with_the_official_sdk_signer(params: dict[str, str], secret: str) -> None:
    params.pop("Signature", None)
    ours = string_to_sign("POST", params)
    assert ours == _official_string_to_sign("POST", dict(params))
    assert signature("POST", params, secret) == _official_signature(ours, secret)


@settings(max_examples=150, deadline=None)
@given(params=_param_sets(), secret=st.text(min_size=1, max_size=30).filter(str.isprintable))
def test_the_simulators_own_check_agrees_with_the_official_sdk(
    params: dict[str, str], secret: str
) -> None:
    params.pop("Signature", None)
    expected, signed = documented_signature("POST", params, secret)
    assert signed == _official_string_to_sign("POST", dict(params))
    assert expected == _official_signature(signed, secret)


def test_the_simulators_own_check_reproduces_the_documented_vector() -> None:
    assert documented_signature("POST", VECTOR, "testsecret")[0] == "UMBpy5XI3JE65C0ZuEkkeyCwLsg="
