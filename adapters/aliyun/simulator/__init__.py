"""The Alibaba Cloud IoT simulator: `api` (the transport), `gateway` (what the vendor checks
before IoT runs: parameters, signature, replay, the account's rate), `ota` (products, firmware,
per-device OTA tasks) and `sandbox` (the seeded account, product, firmware and devices)."""
