"""Vendor adapters: the shared machinery, the plugin API, and one plugin package per vendor.

The top level holds what every vendor shares and names none of them: the adapter protocol and
its models (`base`), the error tree (`errors`), HTTP rules and retries (`http`), rate limits
(`ratelimit`), token caching (`tokens`), time (`clock`), the settings base (`settings`), the
simulator machinery (`simulator`), and the plugin API (`plugin`) with its registry
(`registry`). Each sub-package is one vendor plugin, found through the ``opsgate.vendors``
entry points. No Slack, no storage.
"""
