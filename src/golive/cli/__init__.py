"""The command-line entry point: parse input, call a service, render output."""
