"""Developer tools run by the Makefile (``make docs``); not part of the CLI."""
