"""The control plane's HTTP API (FastAPI), built by :func:`golive.api.app.create_app`."""
