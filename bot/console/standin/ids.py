"""The workspace and bot the Slack stand-in answers as."""

from __future__ import annotations

TEAM_ID = "T0OPSGATE"
BOT_USER_ID = "U0OPSGATE"
BOT_ID = "B0OPSGATE"
