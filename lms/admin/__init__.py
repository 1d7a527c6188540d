"""The admin area: people and roles, the audit log, the local outbox."""
