"""Vendor adapters: one module per vendor, no Slack.

Each speaks the vendor's real API through an injected `httpx.Client`; the simulators in
`adapters.sim` are httpx transports standing in for the vendors.
"""
