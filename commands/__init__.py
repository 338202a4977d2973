"""Slash-command text in, typed and validated request models out. No Slack, no HTTP."""
