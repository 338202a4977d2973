"""The Acme simulator: `api` (the REST API as an httpx transport, checking the bearer token and
answering with Acme's documented errors) and `sandbox` (the seeded account and widgets)."""
