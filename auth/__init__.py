"""Accounts, passwords, two-factor, sessions and access scope (issue #4 onwards)."""
