"""The policy language: model, YAML source with positions, loader, checks and explanation."""
