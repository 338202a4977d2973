"""The opsgate application: settings, policy, store, cards, lifecycle, Slack app, CLI, console."""
