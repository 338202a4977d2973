"""The sandbox: stateful simulators of each vendor's API, implemented as httpx transports.

Each simulator checks auth and signatures as the vendor does, answers with the vendor's documented
error bodies, enforces the documented rate limits, and accepts injected faults.
"""
