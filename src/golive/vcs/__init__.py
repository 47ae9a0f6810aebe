"""Adapters for version control systems (git)."""
