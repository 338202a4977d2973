"""The EnOS simulator: `api` (routes, OTA jobs, the sandbox's seed and credentials) and `apim`
(the token service and each call's signature check, computed independently of the adapter).

The sandbox (`api.demo_simulator`) holds org ``o15724268424841`` with a stopped job
``otajob-7d2c1e`` (deletable) and a started job ``otajob-9a41f0`` (refused with 24618).
"""
