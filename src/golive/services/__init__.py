"""Use cases: load facts, call the core, save results. One module per family."""
