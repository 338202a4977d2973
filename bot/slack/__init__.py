"""opsgate's edge with Slack: the Bolt listeners, the outbound port (`port`), user-group
membership (`directory`) and the app manifest (`manifest`)."""
