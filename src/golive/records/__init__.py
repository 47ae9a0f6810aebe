"""Readers (and the one writer) of the JSON and YAML records the gate's facts come from.

Each module reads one kind of record into the pure values of
:mod:`golive.core.gate.sources`, with errors that name the file, line and field (exit 2).
"""
