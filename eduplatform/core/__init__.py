"""Shared building blocks: database mixins, errors, permissions, API helpers, security, CLI."""
