"""The Huawei OceanConnect simulator: `api` (login, refresh, packages and devices, as an httpx
transport) and `state` (applications, packages, devices, grants, and the sandbox's seed).

The sandbox holds application ``opsgate-sandbox`` (ours; ``partner-app`` authorizes it,
``stranger-app`` does not); version packages ``pkg-meter-fw-1.2.0``, ``pkg-meter-fw-1.1.0``,
``pkg-gw-sw-2.0.1``; device ``dev-meter-0001``; gateway ``gw-0001`` with children
``gw-0001-child-1`` to ``-3``; ``partner-dev-0001`` of ``partner-app`` (delete with ``--app
partner-app``) and ``stranger-dev-0001`` of ``stranger-app`` (refused: 100217).
"""
