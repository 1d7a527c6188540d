"""Accounts: people, their roles, passwords and sessions."""
