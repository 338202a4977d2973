"""Alibaba Cloud IoT settings: ``OPSGATE_ALIYUN__ENDPOINT``, ``__REGION_ID``,
``__ACCESS_KEY_ID``, ``__ACCESS_KEY_SECRET``, ``__IOT_INSTANCE_ID``."""

from __future__ import annotations

import re
from typing import ClassVar, Final

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError

from adapters.errors import NotConfigured
from adapters.settings import VendorSettings, is_set, missing_credential

#: An Alibaba Cloud region id (cn-shanghai, ap-southeast-1, cn-shanghai-finance-1): it becomes
#: the host of every signed request, so nothing else may pass.
_REGION_ID: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class AliyunSettings(VendorSettings):
    """Alibaba Cloud IoT (RPC API, version 2018-01-20).

    Attributes:
        endpoint: The API endpoint; default ``https://iot.<region_id>.aliyuncs.com``.
        region_id: The region, e.g. ``cn-shanghai``: required with an AccessKey (no default: a
            key used in the wrong region is refused, or reaches another region's instance).
        access_key_id: A RAM user's AccessKey id.
        access_key_secret: Its secret (signs every call; never logged).
        iot_instance_id: The default IotInstanceId, when the instance has one.
        calls_per_second: The account's rate limit (documented: 10 calls per second); at
            least 0.01 (a fraction is one call every so many seconds), at most 1000.
    """

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("access_key_id", "access_key_secret"),
    )
    url_fields: ClassVar[tuple[str, ...]] = ("endpoint",)

    endpoint: str | None = None
    region_id: str | None = None
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    iot_instance_id: str | None = None
    # At least one call every 100 s: a slower "rate" is a stop, and a rate near 0 makes the
    # limiter's period (calls / rate) infinite or so long no caller could wait it out.
    calls_per_second: float = Field(default=10.0, ge=0.01, le=1000, allow_inf_nan=False)

    @field_validator("region_id")
    @classmethod
    def _region_id_is_one(cls, value: str | None) -> str | None:
        if value is not None and not _REGION_ID.fullmatch(value):
            raise PydanticCustomError(
                "region_id",
                "must be an Alibaba Cloud region id: lower-case letters, digits and hyphens, "
                "such as cn-shanghai or ap-southeast-1",
            )
        return value

    def check_credentials(self) -> None:
        """The base rule, then: an AccessKey needs its region (it signs every call's
        ``RegionId`` and names the default endpoint's host)."""
        super().check_credentials()
        if is_set(self.access_key_id) and not is_set(self.region_id):
            raise missing_credential("region_id", given="access_key_id")

    @property
    def resolved_endpoint(self) -> str:
        """The endpoint to call: the configured one, or the region's public endpoint.

        Raises:
            NotConfigured: Neither an endpoint nor a region is set.
        """
        if self.endpoint:
            return self.endpoint.rstrip("/")
        return f"https://iot.{self.region()}.aliyuncs.com"

    def region(self) -> str:
        """The region id.

        Raises:
            NotConfigured: None is set (an AccessKey cannot be: `check_credentials`).
        """
        if not self.region_id:
            raise NotConfigured(
                "Alibaba Cloud IoT has no region configured",
                vendor="aliyun",
                next_step="Set `OPSGATE_ALIYUN__REGION_ID` (such as `cn-shanghai`), or run "
                "with `OPSGATE_SANDBOX=1`.",
            )
        return self.region_id
