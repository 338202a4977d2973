"""A local stand-in for Slack: the Web API server (`server`), the methods it answers
(`methods`), how it reads requests (`wire`), and the signed payloads Slack would send the app
(`payloads`). Used by the console, the end-to-end tests and the benchmarks."""
