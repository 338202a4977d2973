"""The life of a request after Slack's ack: intake (a new request), clicks, the one vendor
call (`execution`), sweeps, the replies that redraw cards, and the worker pool they run on."""

from bot.lifecycle.service import RequestService
from bot.lifecycle.services import Origin, Services

__all__ = ["Origin", "RequestService", "Services"]
