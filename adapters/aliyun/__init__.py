"""Alibaba Cloud IoT, as an opsgate vendor plugin: cancel devices' OTA upgrade tasks.

Operations: ``aliyun.ota-task.cancel`` (``/ops aliyun ota-task cancel <deviceName>...
--product <ProductKey> --firmware <FirmwareId> [--job <JobId>] [--instance <IotInstanceId>]``),
up to 10,000 devices, sent in calls of 200 under the account's 10 calls/s.

Where each part is:

- `plugin`: ``PLUGIN``, what the ``opsgate.vendors`` entry point names; the sandbox wiring.
- `operations`: the grammar (``OPERATIONS``) and the DeviceName rule.
- `settings`: ``OPSGATE_ALIYUN__*`` / ``[aliyun]`` (`AliyunSettings`).
- `adapter`: preview, execute, describe, check (`AliyunAdapter`); `rpc`: one signed RPC call;
  `signing`: the HMAC-SHA1 signature; `bulk`: batches and their outcome; `preview`: what a
  cancel would hit; `errors`: reading the vendor's answers; `codes`: its codes in plain
  language.
- `simulator`: the API gateway and IoT's OTA state, simulated, and the sandbox's seed.
"""
