"""Alibaba's settings: the region is required with an AccessKey, and must be a region id."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from adapters.aliyun.settings import AliyunSettings

KEY = {"access_key_id": "LTAIkeyid", "access_key_secret": SecretStr("s")}


@pytest.mark.parametrize(
    "region",
    ["evil.com/x?", "cn-shanghai.evil.com", "CN-SHANGHAI", "-cn", "cn--x", "cn shanghai", ""],
)
def test_a_region_that_is_no_region_id_is_refused_naming_the_key(region: str) -> None:
    """It becomes the host of every signed request (``iot.<region>.aliyuncs.com``)."""
    with pytest.raises(ValidationError) as caught:
        AliyunSettings(region_id=region, **KEY)  # type: ignore[arg-type]
    [error] = caught.value.errors()
    assert (error["type"], error["loc"]) == ("region_id", ("region_id",))


@pytest.mark.parametrize("region", ["cn-shanghai", "ap-southeast-1", "cn-shanghai-finance-1"])
def test_region_ids_pass_and_name_the_endpoint(region: str) -> None:
    settings = AliyunSettings(region_id=region, **KEY)  # type: ignore[arg-type]
    assert settings.configured
    assert settings.resolved_endpoint == f"https://iot.{region}.aliyuncs.com"


def test_an_access_key_needs_a_region_there_is_no_default() -> None:
    with pytest.raises(ValidationError) as caught:
        AliyunSettings(**KEY)  # type: ignore[arg-type]
    [error] = caught.value.errors()
    assert error["type"] == "missing_credential"
    assert error.get("ctx") == {"field": "region_id", "given": "access_key_id"}
    assert AliyunSettings().region_id is None  # unconfigured: nothing is assumed
    assert not AliyunSettings(region_id="cn-beijing").configured
