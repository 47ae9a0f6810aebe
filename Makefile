# golive developer commands. Everything installs into ./.venv; nothing global.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint typecheck unit bench docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, then explain a reference policy (the server demo arrives with the control plane)
demo: venv
	@echo "== golive $$($(BIN)/golive --version)"
	@echo "== validating the five reference policies"
	$(BIN)/golive policy validate examples/policies/*.yaml
	@echo
	@echo "== what the AI Film Studio policy enforces in production"
	$(BIN)/golive policy explain examples/policies/ai-film-studio.yaml --env production

## test: install, lint, format check, type check, then the whole test suite
test: venv lint typecheck unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy --strict src/

unit: venv
	$(BIN)/pytest -q

## bench: run the benchmarks under bench/ (results go to docs/performance.md by hand)
bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## docs: regenerate the generated references (policy schema and language reference)
docs: venv
	$(BIN)/python -m golive.tools.gendocs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
