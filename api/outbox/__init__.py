"""The outbox's way out: channel adapters to the message gateway (or a local log file) and the sending worker."""
