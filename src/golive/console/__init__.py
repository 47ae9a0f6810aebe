"""The admin console: server-rendered pages on the control plane (see docs/console.md)."""
